from allennlp_xfuse.commands import (
    attack,  # noqa: F401
    audit,  # noqa: F401
    encoder_overrides,  # noqa: F401
    inspect,  # noqa: F401
    perturb,  # noqa: F401
    report,  # noqa: F401
    sweep,  # noqa: F401
    tiny_model,  # noqa: F401
)
