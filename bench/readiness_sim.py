"""Simulation: is the readiness model honest? (`make bench-readiness`, about 5 minutes of CPU)

Simulated students with known abilities answer a simulated bank whose true difficulties are
known; the script checks what docs/readiness.md promises and prints the figures:

1. calibration recovers the difficulties (1,000 students x 50 of 1,000 items, 10 banks):
   correlation >= 0.95, bias, each with its mean and worst over the banks, beside the bound of an
   estimator that knows every student's ability;
2. cost: calibrating 1,000,000 responses (cold, and warm from last night's estimates with 5 %
   new responses);
3. readiness is calibrated: students practise, get a predicted pass probability, then take a
   full fixed 200-item form; in each decile of prediction the observed pass rate is within
   5 points; Brier score;
4. the adaptive check agrees with the full form's pass/fail in >= 95 % of students with <= 50 %
   of its items; maximum item exposure <= 25 %; choosing an item <= 20 ms at p95. Each student's
   answer to every question is drawn once, so the check and the form agree on the questions both
   ask; the agreement with an independent sitting, two sittings' agreement with each other and the
   ceiling (what knowing the true ability would give) show how far any check could go.

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
#: Students per population in the adaptive check's simulation (agreement's SE about 0.5 point).
CAT_STUDENTS = 2_000
#: Simulated banks for the calibration recovery (the figures vary from bank to bank).
CALIBRATION_BANKS = 10


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
    return student, items, correct, abilities


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


def oracle_difficulties(difficulty, labels, abilities, student, items, correct):
    """The posterior mean of each difficulty for an estimator that knew every student's true
    ability and each label's true mean and spread of difficulties: what the responses allow at
    best, a bound for any estimator (the posterior mean maximises the correlation)."""
    grid = np.linspace(-6.0, 6.0, 481)
    order = np.argsort(items, kind="stable")
    bounds = np.searchsorted(items[order], np.arange(len(difficulty) + 1))
    estimate = np.empty(len(difficulty))
    for i in range(len(difficulty)):
        answered = order[bounds[i] : bounds[i + 1]]
        logit = abilities[student[answered], None] - grid[None, :]
        signed = np.where(correct[answered, None], logit, -logit)
        same = difficulty[labels == labels[i]]
        log_post = -np.logaddexp(0, -signed).sum(axis=0)
        log_post -= 0.5 * ((grid - same.mean()) / same.std()) ** 2
        post = np.exp(log_post - log_post.max())
        estimate[i] = post @ grid / post.sum()
    return estimate


def check_calibration(rng, students, per_student, banks):
    print(
        f"1. Calibration recovery: {students:,} students x {per_student} of {POOL_SIZE:,} items, "
        f"{banks} banks"
    )
    figures = []
    for run in range(banks):
        difficulty, labels, _ = make_bank(rng)
        student, items, correct, abilities = simulate_responses(
            rng, difficulty, students, per_student
        )
        started = time.perf_counter()
        fit = irt.calibrate(student, items, correct, labels)
        seconds = time.perf_counter() - started
        flat = irt.calibrate(
            student,
            items,
            correct,
            np.full(POOL_SIZE, "medium"),
            default_priors={"medium": (0.0, 3.0)},
        )
        oracle = oracle_difficulties(difficulty, labels, abilities, student, items, correct)
        error = fit.difficulty - difficulty
        # The scale's origin is the calibration sample's average student: shift the truth's.
        origin_bias = np.mean(error + abilities.mean())
        figures.append(
            (
                np.corrcoef(difficulty, fit.difficulty)[0, 1],
                np.corrcoef(difficulty, flat.difficulty)[0, 1],
                np.corrcoef(difficulty, oracle)[0, 1],
                error.mean(),
                origin_bias,
                np.sqrt(np.mean(error**2)),
                np.mean(np.abs(error) < 1.96 * fit.difficulty_se),
            )
        )
        r, r_flat, r_oracle, bias, origin_bias, rmse, covered = figures[-1]
        print(
            f"   bank {run + 1}: r = {r:.3f} (without labels {r_flat:.3f}; the bound "
            f"{r_oracle:.3f}), bias = {bias:+.3f} ({origin_bias:+.3f} from the sample's origin), "
            f"RMSE = {rmse:.3f}, 95 % SE coverage = {covered:.1%}, {fit.iterations} iterations, "
            f"{seconds:.2f} s"
        )
    r, r_flat, r_oracle, bias, origin_bias, rmse, covered = np.array(figures).T
    worst_bias = bias[np.argmax(abs(bias))]
    worst_origin_bias = origin_bias[np.argmax(abs(origin_bias))]
    print(
        f"   over {banks} banks: r mean {r.mean():.3f}, worst {r.min():.3f} (the bound: mean "
        f"{r_oracle.mean():.3f}, worst {r_oracle.min():.3f}; without labels mean "
        f"{r_flat.mean():.3f}); bias mean {bias.mean():+.3f}, worst {worst_bias:+.3f} "
        f"(from the sample's origin: mean {origin_bias.mean():+.3f}, worst "
        f"{worst_origin_bias:+.3f}); RMSE mean {rmse.mean():.3f}"
    )
    run_students = 2 * students
    difficulty, labels, _ = make_bank(rng)
    student, items, correct, _ = simulate_responses(rng, difficulty, run_students, per_student)
    fit = irt.calibrate(student, items, correct, labels)
    error = fit.difficulty - difficulty
    print(
        f"   with twice the students ({run_students:,}: {2 * per_student * students // POOL_SIZE} "
        f"responses per item): r = {np.corrcoef(difficulty, fit.difficulty)[0, 1]:.3f}, "
        f"bias = {error.mean():+.3f}, RMSE = {np.sqrt(np.mean(error**2)):.3f}"
    )


def check_cost(rng, students):
    per_student = 50
    print(f"2. Calibration cost: {students * per_student:,} responses ({students:,} x 50)")
    difficulty, labels, topic = make_bank(rng)
    student, items, correct, _ = simulate_responses(rng, difficulty, students, per_student)
    started = time.perf_counter()
    fit = irt.calibrate(student, items, correct, labels)
    cold = time.perf_counter() - started
    extra = students // 20
    new_student, new_items, new_correct, _ = simulate_responses(rng, difficulty, extra, per_student)
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


def run_cat(pool, theta_cut, answers, seed, settings, timings):
    """One adaptive check of a student whose answer to every question is `answers`."""
    administered, correct = [], []
    while True:
        started, started_cpu = time.perf_counter(), time.thread_time()
        item = cat.next_item(pool, administered, correct, seed, settings, theta_cut=theta_cut)
        timings.append((time.perf_counter() - started, time.thread_time() - started_cpu))
        administered.append(item)
        correct.append(bool(answers[item]))
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
    true_cut = cat.passing_theta(
        cat.Pool(difficulty, np.ones(POOL_SIZE), topic, TOPIC_SHARES), PASSING_PERCENT
    )
    theta = rng.normal(population_mean, 1, students)
    chance = irt.probability(theta[:, None], difficulty[None, :])
    # Each student's answer to every question, drawn once: the check and the full form read
    # the same answer where they ask the same question (a fifth of the check's, here).
    answers = rng.random(chance.shape) < chance
    needed = readiness.passing_count(FORM_LENGTH, PASSING_PERCENT)
    forms = [fixed_form(rng, topic) for _ in range(students)]
    full = np.array([answers[k, form].sum() >= needed for k, form in enumerate(forms)])
    # Independent sittings (every answer drawn afresh): the same form, and another form.
    resit = np.array(
        [
            (rng.random(FORM_LENGTH) < chance[k, form]).sum() >= needed
            for k, form in enumerate(forms)
        ]
    )
    other_form = np.array(
        [
            (rng.random(FORM_LENGTH) < chance[k, fixed_form(rng, topic)]).sum() >= needed
            for k in range(students)
        ]
    )
    # The best any check can do against an independent sitting: know θ exactly and say "pass"
    # when the form's pass probability at θ is at least one half.
    true_sections = [
        readiness.Section(int(count), difficulty[topic == t])
        for t, count in enumerate(section_counts())
    ]
    pass_chance = readiness.pass_probability_at(theta, true_sections, PASSING_PERCENT)
    ceiling = np.mean(np.maximum(pass_chance, 1 - pass_chance))
    truth = theta >= true_cut
    # The form scored as an equated exam would be: its ability estimate against θ_cut.
    full_on_theta = np.array(
        [
            irt.estimate_ability(
                fit.difficulty[form],
                fit.discrimination[form],
                answers[k, form],
                prior_sd=fit.population_sd,
            ).theta
            >= theta_cut
            for k, form in enumerate(forms)
        ]
    )

    exposure = np.zeros(POOL_SIZE)
    timings, lengths, says_pass, decided = [], [], [], []
    for seed in range(students):
        if seed % EXPOSURE_REFRESH == 0:  # the app would recount the rates now and then
            pool = dataclasses.replace(pool, exposure=exposure / max(seed, EXPOSURE_FLOOR))
        result, administered = run_cat(pool, theta_cut, answers[seed], seed, settings, timings)
        exposure[administered] += 1
        lengths.append(len(administered))
        decided.append(result.verdict != "undecided")
        # An undecided check counts as the side it leans to.
        says_pass.append((result.verdict if decided[-1] else result.leaning) == "pass")
    says_pass, decided = np.array(says_pass), np.array(decided)
    timings_ms = 1000 * np.array(timings)
    print(
        f"   θ_cut = {theta_cut:.2f} (true {true_cut:.2f}); mean length "
        f"{np.mean(lengths):.1f} items = {np.mean(lengths) / FORM_LENGTH:.0%} of the form "
        f"(median {np.median(lengths):.0f}); decided {decided.mean():.1%}; the full form "
        f"passes {full.mean():.0%}"
    )
    print(
        f"   agreement with the full form: {np.mean(says_pass == full):.1%} (decided only: "
        f"{np.mean(says_pass[decided] == full[decided]):.1%}, undecided "
        f"{np.mean(says_pass[~decided] == full[~decided]):.1%}); with the form scored on the θ "
        f"scale (its ability estimate against θ_cut): {np.mean(says_pass == full_on_theta):.1%}"
    )
    print(
        f"   with an independent sitting of the form: {np.mean(says_pass == resit):.1%}; two "
        f"independent sittings agree in {np.mean(resit == full):.1%} (same form) and "
        f"{np.mean(other_form == full):.1%} (another form); the ceiling against an independent "
        f"sitting (θ known exactly) is {ceiling:.1%}"
    )
    print(
        f"   the true pass/fail (θ against the true θ_cut) agrees with the CAT in "
        f"{np.mean(says_pass == truth):.1%}, with the full form in {np.mean(full == truth):.1%}"
    )
    wall, cpu = timings_ms.T
    print(
        f"   max item exposure {exposure.max() / students:.1%}; next item (1,000-item pool) p50 "
        f"{np.percentile(wall, 50):.1f} ms, p95 {np.percentile(wall, 95):.1f} ms (CPU time p95 "
        f"{np.percentile(cpu, 95):.1f} ms: the wall time's tail is the machine's other load)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a few seconds)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    scale = 10 if args.quick else 1
    check_calibration(rng, 1_000, 50, 3 if args.quick else CALIBRATION_BANKS)
    difficulty, _, topic, fit = check_cost(rng, 20_000 // scale)
    check_readiness(rng, difficulty, topic, fit, 30_000 // scale)
    for population_mean in CAT_POPULATIONS:
        check_cat(rng, difficulty, topic, fit, CAT_STUDENTS // scale, population_mean)


if __name__ == "__main__":
    main()
