"""
Adversarial perturbation of PAWS-X pairs with TextAttack: registered `AttackRecipe`s
(`recipes/`: model-agnostic character noise and model-in-the-loop attacks), the transformations
and constraints they add to TextAttack's, per-language resources, the TextAttack model wrapper
over an AllenNLP archive, and the loops that write adversarial splits.

Importing this package registers every recipe. Only pure-Python modules are imported here;
everything that needs TextAttack imports it when an attack is built, so `import allennlp_xfuse`
stays fast.
"""
from allennlp_xfuse.attacks.recipes import AttackRecipe, PerturbedPair

__all__ = ["AttackRecipe", "PerturbedPair"]
