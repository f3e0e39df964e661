"""`allennlp evaluate ARCHIVE split.jsonl` on an archive trained with the `pawsx` reader."""
import json

from allennlp.commands.evaluate import evaluate_from_archive

from allennlp_xfuse.data.pair_files import read_pair_files


def test_evaluate_reads_adversarial_splits_without_overrides(train_tiny, sample_dir, tmp_path):
    archive = train_tiny("pawsx_baseline")
    split = tmp_path / "de.charnoise.jsonl"
    with open(split, "w", encoding="utf-8") as out:
        for row in read_pair_files(str(sample_dir / "de" / "test_2k.tsv")):
            record = {"id": row.id, "language": "de", "sentence1": row.sentence1.upper(),
                      "sentence2": row.sentence2, "label": int(row.label),
                      "original_sentence1": row.sentence1, "original_sentence2": row.sentence2,
                      "recipe": "charnoise", "status": "perturbed"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    metrics = evaluate_from_archive(str(archive), str(split),
                                    metrics_output_file=str(tmp_path / "metrics.json"))
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert json.loads((tmp_path / "metrics.json").read_text())["accuracy"] == metrics["accuracy"]
