from allennlp_xfuse.data import dataset_readers  # noqa: F401
