"""Any of TextAttack's own recipes by name: the `textattack` recipe (`textattack:<name>`)."""
import importlib
import logging

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.recipes.attack_recipe import AttackRecipe

logger = logging.getLogger(__name__)


@AttackRecipe.register("textattack")
class TextAttackRecipe(AttackRecipe):
    """
    Any of TextAttack's own recipes (`textattack.attack_args.ATTACK_RECIPE_NAMES`: textfooler,
    pwws, bae, bert-attack, deepwordbug, pruthi, ...), built by TextAttack unchanged; on the
    command line `--recipe textattack:<name>`. The query budget, batch size, `perturb` limit,
    `keep_numbers` and `keep_shared_names` are applied on top as for every recipe.

    TextAttack's recipes are English: NLTK's English stopwords, English word embeddings,
    WordNet, the Universal Sentence Encoder from TF-Hub... Most need downloads; when one is
    missing, building the recipe fails with a `ConfigurationError` that says what to install or
    download. For other languages prefer `deepwordbug`, `pruthi`, `mlm_swap`, `charnoise`.

    Registered as an `AttackRecipe` with name "textattack".

    Takes `perturb`, `keep_numbers` and `keep_shared_names` as every `AttackRecipe` does
    (documented there).

    # Parameters

    recipe : `str`
        TextAttack's name of the recipe, e.g. `"textfooler"`.
    """

    def __init__(
        self,
        recipe: str,
        perturb: str = "both",
        keep_numbers: bool = True,
        keep_shared_names: bool = True,
    ) -> None:
        super().__init__(
            perturb=perturb, keep_numbers=keep_numbers, keep_shared_names=keep_shared_names
        )
        from textattack.attack_args import ATTACK_RECIPE_NAMES

        if recipe not in ATTACK_RECIPE_NAMES:
            raise ConfigurationError(
                f"Unknown TextAttack recipe {recipe!r}; TextAttack has "
                f"{', '.join(sorted(ATTACK_RECIPE_NAMES))}."
            )
        self.recipe = recipe
        self._class_path = ATTACK_RECIPE_NAMES[recipe]

    def build(self, model_wrapper, language: str):
        if language != "en":
            logger.warning(
                "TextAttack's %s recipe uses English resources; attacking %s text with it "
                "measures something else than for en.",
                self.recipe,
                language,
            )
        module_name, class_name = self._class_path.rsplit(".", 1)
        try:
            recipe_class = getattr(importlib.import_module(module_name), class_name)
            return recipe_class.build(model_wrapper)
        except ImportError as error:
            package = error.name or str(error)
            raise ConfigurationError(
                f"TextAttack's {self.recipe} recipe needs the Python package {package!r}, which "
                f"is not installed: pip install {package.split('.')[0]}"
            ) from None
        except (OSError, LookupError, ConnectionError) as error:
            # Downloads (embeddings, TF-Hub, NLTK data, Hugging Face models) fail with
            # OSError/ConnectionError offline; NLTK raises LookupError for missing data.
            raise ConfigurationError(
                f"TextAttack's {self.recipe} recipe could not load a resource it needs: "
                f"{type(error).__name__}: {str(error).strip()[:500]}\n"
                "Run it once with internet access (TextAttack caches downloads in "
                "$TA_CACHE_DIR, default ~/.cache/textattack; Hugging Face models in "
                "~/.cache/huggingface), or install the named data."
            ) from None
