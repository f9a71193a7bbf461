"""Simulation: is the readiness model honest? (`make bench-readiness`, about 2-3 minutes)

Simulated students with known abilities answer a simulated bank whose true difficulties are
known; the script checks what docs/readiness.md promises and prints the figures:

1. calibration recovers the difficulties (1,000 students x 50 of 1,000 items): correlation
   >= 0.95, bias;
2. cost: calibrating 1,000,000 responses (cold, and warm from last night's estimates with 5 %
   new responses);
3. readiness is calibrated: students practise, get a predicted pass probability, then take a
   full fixed 200-item form; in each decile of prediction the observed pass rate is within
   5 points; Brier score;
4. the adaptive check agrees with the full form's pass/fail in >= 95 % of students with <= 50 %
   of its items; maximum item exposure <= 25 %; choosing an item <= 20 ms at p95.

The bank: 1,000 items in 5 topics (blueprint shares 30/25/20/15/10 %, a 200-item form), true
difficulties N(-0.8, 1) logits so the average student gets about 2/3 right, the authored
easy/medium/hard label a noisy tercile of the true difficulty (noise sd 0.6); students'
abilities N(0, 1); passing mark 70 %. `--quick` runs a smaller version (for tests).
"""

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.scoring import cat, irt, readiness

POOL_SIZE = 1_000
TOPIC_SHARES = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
FORM_LENGTH = 200
PASSING_PERCENT = 70.0
DIFFICULTY_MEAN = -0.8
LABEL_NOISE = 0.6
#: Mean abilities of the students taking the adaptive check: 0 puts the passing standard near
#: the crowd (about 45 % pass: the hardest case), 0.7 gives about 70 % passing.
CAT_POPULATIONS = (0.0, 0.7)
#: The simulated app recounts the items' exposure rates every this many checks, counting at
#: least this many checks (so the first few do not exclude everything).
EXPOSURE_REFRESH, EXPOSURE_FLOOR = 20, 50


def make_bank(rng):
    difficulty = rng.normal(DIFFICULTY_MEAN, 1.0, POOL_SIZE)
    noisy = difficulty - DIFFICULTY_MEAN + rng.normal(0, LABEL_NOISE, POOL_SIZE)
    cuts = np.quantile(noisy, [1 / 3, 2 / 3])
    labels = np.where(noisy < cuts[0], "easy", np.where(noisy > cuts[1], "hard", "medium"))
    topic = rng.choice(len(TOPIC_SHARES), POOL_SIZE, p=TOPIC_SHARES)
    return difficulty, labels, topic


def simulate_responses(rng, difficulty, students, per_student):
    abilities = rng.normal(0, 1, students)
    items = np.concatenate(
        [rng.choice(len(difficulty), per_student, replace=False) for _ in range(students)]
    )
    student = np.repeat(np.arange(students), per_student)
    correct = rng.random(items.size) < irt.probability(abilities[student], difficulty[items])
    return student, items, correct


def section_counts():
    counts = np.floor(TOPIC_SHARES * FORM_LENGTH).astype(int)
    counts[0] += FORM_LENGTH - counts.sum()
    return counts


def fixed_form(rng, topic):
    return np.concatenate(
        [
            rng.choice(np.flatnonzero(topic == t), count, replace=False)
            for t, count in enumerate(section_counts())
        ]
    )


def full_form_passes(rng, theta, difficulty, topic):
    items = fixed_form(rng, topic)
    right = (rng.random(items.size) < irt.probability(theta, difficulty[items])).sum()
    return right >= readiness.passing_count(FORM_LENGTH, PASSING_PERCENT)


def check_calibration(rng, students, per_student):
    print(f"1. Calibration recovery: {students:,} students x {per_student} of {POOL_SIZE:,} items")
    for run, run_students in enumerate((students, students, students, 2 * students)):
        if run == 3:
            print(f"   with twice the students ({run_students:,}: 100 responses per item):")
        difficulty, labels, _ = make_bank(rng)
        student, items, correct = simulate_responses(rng, difficulty, run_students, per_student)
        started = time.perf_counter()
        fit = irt.calibrate(student, items, correct, labels)
        seconds = time.perf_counter() - started
        # The scale's origin is the calibration sample's average student (as the truth's).
        error = fit.difficulty - difficulty
        r = np.corrcoef(difficulty, fit.difficulty)[0, 1]
        flat = irt.calibrate(
            student,
            items,
            correct,
            np.full(POOL_SIZE, "medium"),
            default_priors={"medium": (0.0, 3.0)},
        )
        r_flat = np.corrcoef(difficulty, flat.difficulty)[0, 1]
        covered = np.mean(np.abs(error) < 1.96 * fit.difficulty_se)
        print(
            f"   run {run + 1}: r = {r:.3f} (without labels {r_flat:.3f}), bias = "
            f"{error.mean():+.3f}, RMSE = {np.sqrt(np.mean(error**2)):.3f}, 95 % SE coverage = "
            f"{covered:.1%}, {fit.iterations} iterations, {seconds:.2f} s"
        )


def check_cost(rng, students):
    per_student = 50
    print(f"2. Calibration cost: {students * per_student:,} responses ({students:,} x 50)")
    difficulty, labels, topic = make_bank(rng)
    student, items, correct = simulate_responses(rng, difficulty, students, per_student)
    started = time.perf_counter()
    fit = irt.calibrate(student, items, correct, labels)
    cold = time.perf_counter() - started
    extra = students // 20
    new_student, new_items, new_correct = simulate_responses(rng, difficulty, extra, per_student)
    all_student = np.concatenate([student, new_student + students])
    all_items = np.concatenate([items, new_items])
    all_correct = np.concatenate([correct, new_correct])
    started = time.perf_counter()
    warm_fit = irt.calibrate(all_student, all_items, all_correct, labels, start=fit)
    warm = time.perf_counter() - started
    print(
        f"   cold: {cold:.1f} s ({fit.iterations} EM iterations); warm start with 5 % new "
        f"responses: {warm:.1f} s ({warm_fit.iterations} iterations); r = "
        f"{np.corrcoef(difficulty, warm_fit.difficulty)[0, 1]:.3f}"
    )
    return difficulty, labels, topic, warm_fit


def check_readiness(rng, difficulty, topic, fit, students):
    print(f"3. Readiness calibration: {students:,} students practise 30-300 answers, then sit a")
    print(f"   fixed {FORM_LENGTH}-item form (pass mark {PASSING_PERCENT:.0f} %)")
    sections = [
        readiness.Section(int(count), fit.difficulty[topic == t], fit.discrimination[topic == t])
        for t, count in enumerate(section_counts())
    ]
    curve = readiness.pass_curve(sections, PASSING_PERCENT)
    predicted, passed, hidden, inside = [], [], 0, 0
    for _ in range(students):
        theta = rng.normal(0, 1)
        answers = int(rng.integers(30, 301))
        items = rng.choice(POOL_SIZE, answers, replace=True)
        correct = rng.random(answers) < irt.probability(theta, difficulty[items])
        result = readiness.readiness(
            fit.difficulty[items],
            fit.discrimination[items],
            correct,
            curve,
            weights=irt.recency_weights(answers),
            population_sd=fit.population_sd,
        )
        if result is None:
            hidden += 1
            continue
        predicted.append(result.probability)
        passed.append(full_form_passes(rng, theta, difficulty, topic))
        ability = result.ability
        tail = (1 - readiness.INTERVAL_LEVEL) / 2
        inside += ability.quantile(tail) <= theta <= ability.quantile(1 - tail)
    predicted, passed = np.array(predicted), np.array(passed, dtype=float)
    brier = np.mean((predicted - passed) ** 2)
    print(f"   shown for {predicted.size:,} students ({hidden} hidden: too little evidence)")
    print("   predicted      students  mean predicted  observed  difference  (its sampling SE)")
    worst = 0.0
    for low in np.arange(0, 1, 0.1):
        in_bin = (predicted >= low) & (predicted < low + 0.1 + (low >= 0.9))
        if not in_bin.any():
            continue
        mean_predicted, observed = predicted[in_bin].mean(), passed[in_bin].mean()
        worst = max(worst, abs(observed - mean_predicted))
        print(
            f"   {low:.1f}-{low + 0.1:.1f}   {in_bin.sum():>10,}  {mean_predicted:>14.1%}  "
            f"{observed:>8.1%}  {100 * (observed - mean_predicted):+9.1f}  "
            f"(±{100 * np.sqrt(mean_predicted * (1 - mean_predicted) / in_bin.sum()):.1f})"
        )
    reference = np.mean((passed.mean() - passed) ** 2)
    print(
        f"   worst decile gap: {100 * worst:.1f} points; Brier score {brier:.3f} (a constant "
        f"guess at the pass rate: {reference:.3f})"
    )
    print(
        f"   the 90 % interval of ability (hence of the pass probability) holds the true one "
        f"for {inside / predicted.size:.1%}"
    )


def run_cat(rng, pool, theta_cut, theta, difficulty, seed, settings, timings):
    administered, correct = [], []
    while True:
        started = time.perf_counter()
        item = cat.next_item(pool, administered, correct, seed, settings)
        timings.append(time.perf_counter() - started)
        administered.append(item)
        correct.append(bool(rng.random() < irt.probability(theta, difficulty[item])))
        result = cat.outcome(pool, administered, correct, theta_cut, settings)
        if result.finished:
            return result, administered


def check_cat(rng, difficulty, topic, fit, students, population_mean):
    settings = cat.CatSettings()
    print(
        f"4. Adaptive check ({settings.min_items}-{settings.max_items} items, randomesque "
        f"{settings.randomesque}, exposure limit {settings.max_exposure:.0%}) against the fixed "
        f"{FORM_LENGTH}-item form, {students:,} students of mean ability {population_mean}"
    )
    pool = cat.Pool(fit.difficulty, fit.discrimination, topic, TOPIC_SHARES, fit.population_sd)
    theta_cut = cat.passing_theta(pool, PASSING_PERCENT)
    exposure = np.zeros(POOL_SIZE)
    timings, lengths, agree, agree_decided, decided, parallel_agree, truth_agree = (
        [],
        [],
        0,
        0,
        0,
        0,
        0,
    )
    true_cut = cat.passing_theta(
        cat.Pool(difficulty, np.ones(POOL_SIZE), topic, TOPIC_SHARES), PASSING_PERCENT
    )
    full_passes = full_truth_agree = 0
    for seed in range(students):
        if seed % EXPOSURE_REFRESH == 0:  # the app would recount the rates now and then
            pool = dataclasses.replace(pool, exposure=exposure / max(seed, EXPOSURE_FLOOR))
        theta = rng.normal(population_mean, 1)
        result, administered = run_cat(
            rng, pool, theta_cut, theta, difficulty, seed, settings, timings
        )
        exposure[administered] += 1
        lengths.append(len(administered))
        full = full_form_passes(rng, theta, difficulty, topic)
        full_passes += full
        second_full = full_form_passes(rng, theta, difficulty, topic)
        cat_pass = (result.verdict if result.verdict != "undecided" else result.leaning) == "pass"
        agree += cat_pass == full
        parallel_agree += second_full == full
        truth_agree += cat_pass == (theta >= true_cut)
        full_truth_agree += full == (theta >= true_cut)
        if result.verdict != "undecided":
            decided += 1
            agree_decided += cat_pass == full
    timings_ms = 1000 * np.array(timings)
    print(
        f"   θ_cut = {theta_cut:.2f} (true {true_cut:.2f}); mean length "
        f"{np.mean(lengths):.1f} items = {np.mean(lengths) / FORM_LENGTH:.0%} of the form "
        f"(median {np.median(lengths):.0f}); decided {decided / students:.1%}; the full form "
        f"passes {full_passes / students:.0%}"
    )
    print(
        f"   agreement with the full form: {agree / students:.1%} (decided only: "
        f"{agree_decided / max(decided, 1):.1%}); a second full form agrees with the first in "
        f"{parallel_agree / students:.1%}"
    )
    print(
        f"   the true pass/fail (θ against the true θ_cut) agrees with the CAT in "
        f"{truth_agree / students:.1%}, with the full form in {full_truth_agree / students:.1%}"
    )
    print(
        f"   max item exposure {exposure.max() / students:.1%}; next item p50 "
        f"{np.percentile(timings_ms, 50):.1f} ms, p95 {np.percentile(timings_ms, 95):.1f} ms "
        f"(1,000-item pool)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a few seconds)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    scale = 10 if args.quick else 1
    check_calibration(rng, 1_000, 50)
    difficulty, _, topic, fit = check_cost(rng, 20_000 // scale)
    check_readiness(rng, difficulty, topic, fit, 30_000 // scale)
    for population_mean in CAT_POPULATIONS:
        check_cat(rng, difficulty, topic, fit, 600 // scale, population_mean)


if __name__ == "__main__":
    main()
