"""BAE-style word replacement by a multilingual masked LM: the `mlm_swap` recipe."""
from typing import Optional

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.recipes.attack_recipe import AttackRecipe, MultilingualAttackRecipe


@AttackRecipe.register("mlm_swap")
class MlmSwap(MultilingualAttackRecipe):
    """
    A BAE-style word-level attack (Garg & Ramakrishnan, 2020, BAE-R) for any language of a
    multilingual masked LM: words ranked by importance (greedy WIR by deletion, as BAE), each
    replaced by the LM's best fill for its mask (`MultilingualWordSwapMaskedLM`, a TextAttack
    `WordSwapMaskedLM`), with

    - no stopword of the attacked language changed, no word changed twice;
    - at most `max_percent_words` of the words changed (`MaxWordsPerturbed`);
    - a similarity constraint that works offline in every language: cosine similarity of
      mean-pooled hidden states of the LM's own encoder, over a 15-word window, against the
      original (`MaskedLmSentenceEncoder`; BAE's Universal Sentence Encoder needs TF-Hub).
      BAE's part-of-speech constraint is dropped (Flair's tagger is English and downloaded).

    The LM is loaded once per recipe, with `transformers`' `from_pretrained`, so a hub name needs
    the model in the local cache (or the network) and a directory works offline.

    Registered as an `AttackRecipe` with name "mlm_swap".

    Takes `perturb`, `keep_numbers` and `keep_shared_names` as every `AttackRecipe` does
    (documented there).

    # Parameters

    masked_language_model : `str`, optional (default = `"bert-base-multilingual-cased"`)
        Hub name or directory of a masked LM and its tokenizer.
    max_candidates : `int`, optional (default = `50`)
        LM candidates per word (BAE: 50).
    max_percent_words : `float`, optional (default = `0.2`)
        Largest share of the pair's words that may change.
    similarity_threshold : `float`, optional (default = `0.9`)
        Smallest cosine similarity between original and perturbed windows.
    similarity_layer : `int`, optional (default = `-4`)
        Hidden-state index the similarity uses (see `MaskedLmSentenceEncoder`).
    window_size : `int`, optional (default = `15`)
        Words compared around each swap.
    """

    def __init__(
        self,
        masked_language_model: str = "bert-base-multilingual-cased",
        max_candidates: int = 50,
        max_percent_words: float = 0.2,
        similarity_threshold: float = 0.9,
        similarity_layer: int = -4,
        window_size: int = 15,
        perturb: str = "both",
        keep_numbers: bool = True,
        keep_shared_names: bool = True,
    ) -> None:
        super().__init__(
            perturb=perturb, keep_numbers=keep_numbers, keep_shared_names=keep_shared_names
        )
        if not 0.0 < max_percent_words <= 1.0:
            raise ConfigurationError(
                f"max_percent_words must be in (0, 1], not {max_percent_words}"
            )
        self.masked_language_model = masked_language_model
        self.max_candidates = max_candidates
        self.max_percent_words = max_percent_words
        self.similarity_threshold = similarity_threshold
        self.similarity_layer = similarity_layer
        self.window_size = window_size
        self._loaded: Optional[tuple] = None

    def _load(self, device):
        if self._loaded is None:
            from transformers import AutoModelForMaskedLM, AutoTokenizer

            try:
                tokenizer = AutoTokenizer.from_pretrained(self.masked_language_model)
                model = AutoModelForMaskedLM.from_pretrained(self.masked_language_model)
            except OSError as error:
                raise ConfigurationError(
                    f"mlm_swap could not load the masked LM {self.masked_language_model!r} "
                    f"({error}). Download it once with internet access (it is then cached), or "
                    "pass a local directory: --recipe-params "
                    "'{\"masked_language_model\": \"/path/to/mlm\"}'."
                ) from None
            self._loaded = (model.to(device).eval(), tokenizer)
        return self._loaded

    def components(self, model_wrapper, language: str):
        from textattack.constraints.overlap import MaxWordsPerturbed
        from textattack.search_methods import GreedyWordSwapWIR

        from allennlp_xfuse.attacks.constraints import MaskedLmSentenceEncoder
        from allennlp_xfuse.attacks.transformations import MultilingualWordSwapMaskedLM

        victim = getattr(model_wrapper, "model", None)
        device = next(victim.parameters()).device if victim is not None else "cpu"
        model, tokenizer = self._load(device)
        transformation = MultilingualWordSwapMaskedLM(
            model, tokenizer, max_candidates=self.max_candidates
        )
        constraints = [
            MaxWordsPerturbed(max_percent=self.max_percent_words),
            MaskedLmSentenceEncoder(
                model,
                tokenizer,
                layer=self.similarity_layer,
                threshold=self.similarity_threshold,
                window_size=self.window_size,
            ),
        ]
        return transformation, constraints, GreedyWordSwapWIR(wir_method="delete")
