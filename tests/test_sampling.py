"""Length grouping: every row once, label-mixed or shuffled sorted batches, little padding, the Trainer uses it."""
from __future__ import annotations

import numpy as np

from modeling.sampling import LengthGroupSampler


def _data(n: int = 1000, seed: int = 0):
    """Length tracks the label, as in the support messages: label 0 long (complaints), label 1 short."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.7).astype(int)
    lengths = np.where(labels == 0, rng.integers(8, 44, n), rng.integers(4, 36, n))  # means 26 and 20 tokens
    return lengths, labels


def _batches(sampler, batch_size):
    order = np.array(list(sampler))
    return order, [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def test_every_row_once_and_a_new_order_each_epoch():
    lengths, labels = _data()
    sampler = LengthGroupSampler(lengths, labels, batch_size=32, seed=1, window_batches=8, mix_labels=True)
    first, _ = _batches(sampler, 32)
    second, _ = _batches(sampler, 32)
    assert sorted(first.tolist()) == list(range(1000)) and sorted(second.tolist()) == list(range(1000))
    assert first.tolist() != second.tolist()
    sampler.set_epoch(0)  # the same epoch gives the same order (resume)
    assert _batches(sampler, 32)[0].tolist() == first.tolist()


def test_batches_keep_the_label_mix_where_length_sorting_splits_it():
    lengths, labels = _data()
    _, mixed = _batches(LengthGroupSampler(lengths, labels, batch_size=32, seed=1, window_batches=8, mix_labels=True), 32)
    full = [b for b in mixed if len(b) == 32]
    share = np.array([labels[b].mean() for b in full])
    assert np.abs(share - labels.mean()).max() <= 3 / 32  # each batch within 3 rows of the overall 70/30 mix
    # Plain length sorting of the same windows: the short batches lean to label 1, the long ones to 0.
    order = np.random.default_rng(1).permutation(1000)
    by_length = np.concatenate([w[np.argsort(lengths[w], kind="stable")] for w in np.array_split(order, 4)])
    sorted_share = np.array([labels[by_length[i:i + 32]].mean() for i in range(0, 992, 32)])
    assert np.abs(sorted_share - labels.mean()).mean() > 3 * np.abs(share - labels.mean()).mean()


def test_padding_between_length_sorting_and_random_batches():
    lengths, labels = _data()
    _, mixed = _batches(LengthGroupSampler(lengths, labels, batch_size=32, seed=1, window_batches=8, mix_labels=True), 32)
    order = np.random.default_rng(2).permutation(1000)
    random = np.array_split(order, len(mixed))
    by_length = np.array_split(order[np.argsort(lengths[order], kind="stable")], len(mixed))

    def pad_fraction(batches):
        padded = sum(len(b) * lengths[b].max() for b in batches)
        return 1 - lengths.sum() / padded

    # The price of the label mix: each batch pads to its longer label's rank.
    assert pad_fraction(by_length) < pad_fraction(mixed) < 0.75 * pad_fraction(random)


def test_trainer_groups_with_it(tiny_model_dir, tmp_path):
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from modeling.config import TrainingConfig
    from modeling.trainer import WeightedLossTrainer, training_arguments

    lengths, labels = _data(64)
    data = Dataset.from_dict({"input_ids": [[1] * n for n in lengths], "length": lengths.tolist(),
                              "label": labels.tolist()})
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    for grouped, expected in ((True, LengthGroupSampler), (False, None)):
        args = training_arguments(TrainingConfig(group_by_length=grouped, max_steps=1), str(tmp_path), evaluate=False)
        trainer = WeightedLossTrainer(model=model, args=args, train_dataset=data, processing_class=tok,
                                      length_groups="label_mixed")
        sampler = trainer._get_train_sampler()
        assert isinstance(sampler, expected) if expected else not isinstance(sampler, LengthGroupSampler)
    plain_args = training_arguments(TrainingConfig(max_steps=1), str(tmp_path), evaluate=False)
    default = WeightedLossTrainer(model=model, args=plain_args, train_dataset=data, processing_class=tok)
    sampler = default._get_train_sampler()  # the default: sorted windows, batches shuffled
    assert isinstance(sampler, LengthGroupSampler) and not sampler.mix_labels
    hf = WeightedLossTrainer(model=model, args=plain_args, train_dataset=data, processing_class=tok,
                             length_groups="sorted")
    assert type(hf._get_train_sampler()).__name__ == "LengthGroupedSampler"


def test_shuffled_groups_pad_like_length_sorting_but_break_the_streaks():
    lengths, labels = _data()
    sampler = LengthGroupSampler(lengths, labels, batch_size=32, seed=1, window_batches=8, mix_labels=False,
                                 run_batches=1)
    order, batches = _batches(sampler, 32)
    assert sorted(order.tolist()) == list(range(1000))
    # The batches of a window are consecutive runs of it sorted by length: put back in order,
    # their lengths never decrease.
    rng = np.random.default_rng((1, 0))
    window = rng.permutation(1000)[:256]
    first_window = [b for b in batches if set(b) <= set(window)]
    assert len(first_window) == 8
    assert sorted(np.concatenate(first_window).tolist()) == sorted(window.tolist())
    runs = sorted(first_window, key=lambda b: (lengths[b].min(), lengths[b].max()))
    assert (np.diff(np.concatenate([np.sort(lengths[b]) for b in runs])) >= 0).all()
    # Unlike transformers' sampler, consecutive batches do not walk down one window: the mean
    # length of neighbouring batches jumps about as much as between random batches.
    means = np.array([lengths[b].mean() for b in batches if len(b) == 32])
    assert np.abs(np.diff(means)).mean() > 3.0


def test_shuffled_groups_move_in_runs_of_neighbouring_batches():
    lengths, labels = _data(1024)  # 4 windows of 8 full batches: every run holds 4
    _, batches = _batches(LengthGroupSampler(lengths, labels, batch_size=32, seed=1, window_batches=8), 32)
    full = [b for b in batches if len(b) == 32]
    # Default runs of 4: within a run each batch starts where the previous one's lengths ended.
    assert len(full) == 32
    for start in range(0, 32, 4):
        run = full[start:start + 4]
        assert all(lengths[a].max() <= lengths[b].min() for a, b in zip(run, run[1:]))
    # ...and the runs themselves are shuffled: some run starts shorter than the previous one ended.
    assert any(lengths[full[s - 1]].max() > lengths[full[s]].min() for s in range(4, 32, 4))
