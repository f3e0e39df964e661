from allennlp_xfuse.modules.seq2vec_encoders.aif_seq2vec_encoder import AifSeq2VecEncoder
from allennlp_xfuse.modules.seq2vec_encoders.dlfa_seq2vec_encoder import DlfaSeq2VecEncoder

__all__ = ["AifSeq2VecEncoder", "DlfaSeq2VecEncoder"]
