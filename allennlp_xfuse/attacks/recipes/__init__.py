"""
The attack recipes, one registered `AttackRecipe` per module, named after its registered name.
Importing this package registers every recipe; none of them imports TextAttack before an attack
is built.
"""
from allennlp_xfuse.attacks.recipes.attack_recipe import (
    COLUMNS,
    PERTURB_CHOICES,
    AttackRecipe,
    ModelAgnosticRecipe,
    MultilingualAttackRecipe,
    PerturbedPair,
)
from allennlp_xfuse.attacks.recipes.charnoise import CharNoise
from allennlp_xfuse.attacks.recipes.code_mix import CodeMix, CodeMixRandom
from allennlp_xfuse.attacks.recipes.deepwordbug import DeepWordBug
from allennlp_xfuse.attacks.recipes.mlm_swap import MlmSwap
from allennlp_xfuse.attacks.recipes.pruthi import Pruthi
from allennlp_xfuse.attacks.recipes.textattack_builtin import TextAttackRecipe

__all__ = [
    "COLUMNS",
    "PERTURB_CHOICES",
    "AttackRecipe",
    "CharNoise",
    "CodeMix",
    "CodeMixRandom",
    "DeepWordBug",
    "MlmSwap",
    "ModelAgnosticRecipe",
    "MultilingualAttackRecipe",
    "PerturbedPair",
    "Pruthi",
    "TextAttackRecipe",
]
