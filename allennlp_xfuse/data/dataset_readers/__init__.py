from allennlp_xfuse.data.dataset_readers.adversarial_pawsx import (  # noqa: F401
    AdversarialPawsxDatasetReader,
)
from allennlp_xfuse.data.dataset_readers.panx_ner import PanxNerDatasetReader  # noqa: F401
from allennlp_xfuse.data.dataset_readers.pawsx import PawsxDatasetReader  # noqa: F401
from allennlp_xfuse.data.dataset_readers.ud_pos import UdPosDatasetReader  # noqa: F401
from allennlp_xfuse.data.dataset_readers.xnli import XnliDatasetReader  # noqa: F401
