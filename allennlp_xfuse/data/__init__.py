from allennlp_xfuse.data import batched_padding_collator, dataset_readers  # noqa: F401
