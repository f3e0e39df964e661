from allennlp_xfuse.modules.seq2seq_encoders.aif_seq2seq_encoder import AifSeq2SeqEncoder
from allennlp_xfuse.modules.seq2seq_encoders.dlfa_seq2seq_encoder import DlfaSeq2SeqEncoder

__all__ = ["AifSeq2SeqEncoder", "DlfaSeq2SeqEncoder"]
