"""
XTREME's model selection as an AllenNLP schedule.

XTREME fine-tunes for 5 passes over the English training data and evaluates English dev every
200 optimizer steps, keeping the best checkpoint (about 39 on PAWS-X). AllenNLP validates once
per epoch, so the shipped configs make an epoch a fixed number of batches
(`data_loader.batches_per_epoch`; the loader carries on where it stopped, so the data order is
that of plain passes) and scale the epoch count so that the number of training steps, hence the
linear learning-rate decay, stays that of 5 passes. On English PAWS-X train (49,401 pairs,
1,544 batches of 32 per pass) that is an epoch of 193 batches (8 per pass, dev every 193 steps)
and 40 epochs: 7,720 steps, as 5 plain epochs.

`pawsx_common.libsonnet` writes those numbers out for the default data; `selection_schedule`
computes them for other training data (a local copy, a translated train set, the bundled
sample), which is what `model_and_data_overrides` does when it points a config at other data.
"""
import math
from typing import NamedTuple, Optional

# XTREME's PAWS-X recipe (scripts/train_pawsx.sh): 5 epochs, dev evaluated every 200 steps.
XTREME_PASSES = 5
XTREME_STEPS_BETWEEN_VALIDATIONS = 200


class SelectionSchedule(NamedTuple):
    """
    The trainer's epochs for a schedule: `batches_per_epoch` (`None`: an epoch is one pass) and
    `num_epochs`.
    """

    batches_per_epoch: Optional[int]
    num_epochs: int


def selection_schedule(
    num_instances: int,
    batch_size: int,
    passes: int = XTREME_PASSES,
    steps_between_validations: int = XTREME_STEPS_BETWEEN_VALIDATIONS,
) -> SelectionSchedule:
    """
    The AllenNLP epochs that validate about every `steps_between_validations` batches over
    `passes` passes of `num_instances` instances: each pass is cut into the whole number of
    equal epochs closest to `steps_between_validations` batches each, and the epoch count makes
    the total number of batches that of `passes` passes (within one epoch, when a pass does not
    split evenly). Data with fewer batches per pass than `steps_between_validations` validates
    once per pass (`batches_per_epoch` `None`), as a plain AllenNLP run does.

    # Parameters

    num_instances : `int`
        Training instances in one pass.
    batch_size : `int`
        The data loader's batch size.
    passes : `int`, optional (default = `XTREME_PASSES`)
        Passes over the training data.
    steps_between_validations : `int`, optional (default = `XTREME_STEPS_BETWEEN_VALIDATIONS`)
        The validation interval to approach, in batches.
    """
    if num_instances < 1 or batch_size < 1 or passes < 1 or steps_between_validations < 1:
        raise ValueError(
            f"A schedule needs positive sizes (got {num_instances} instances, batch size "
            f"{batch_size}, {passes} passes, {steps_between_validations} steps between "
            f"validations)."
        )
    batches_per_pass = math.ceil(num_instances / batch_size)
    validations_per_pass = round(batches_per_pass / steps_between_validations)
    if validations_per_pass <= 1:
        return SelectionSchedule(None, passes)
    batches_per_epoch = round(batches_per_pass / validations_per_pass)
    return SelectionSchedule(
        batches_per_epoch, round(passes * batches_per_pass / batches_per_epoch)
    )
