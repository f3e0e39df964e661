"""
Adversarial perturbation of PAWS-X pairs: registered `AttackRecipe`s (model-agnostic character
noise and TextAttack-based model-in-the-loop attacks), the TextAttack model wrapper over an
AllenNLP archive, and the adversarial split writer.

Only pure-Python modules are imported here; everything that needs TextAttack imports it when
used, so `import allennlp_xfuse` stays fast.
"""
from allennlp_xfuse.attacks.charnoise import CharNoise  # noqa: F401
from allennlp_xfuse.attacks.deepwordbug import DeepWordBug  # noqa: F401
from allennlp_xfuse.attacks.mlm_swap import MlmSwap  # noqa: F401
from allennlp_xfuse.attacks.pruthi import Pruthi  # noqa: F401
from allennlp_xfuse.attacks.recipe import AttackRecipe, PerturbedPair  # noqa: F401
from allennlp_xfuse.attacks.textattack_recipe import TextAttackRecipe  # noqa: F401
