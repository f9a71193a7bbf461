"""The ECG pictures of the clinical bank: the committed files are what tools/draw_ecg_strips.py
draws, and each strip shows the rate and regularity its questions rely on."""

import importlib.util
import io
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.signal import find_peaks

ROOT = Path(__file__).parents[2]
MEDIA = ROOT / "question_banks" / "media"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "draw_ecg_strips", ROOT / "tools" / "draw_ecg_strips.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ecg = _load_script()


@cache
def pictures():
    return ecg.render_all()


def qrs_peaks(strip) -> np.ndarray:
    """R waves found in the signal itself: peaks standing at least 0.95 mV above their
    surroundings, at least 0.2 s apart (P, T, flutter, fibrillatory and artifact waves stay
    below)."""
    peaks, _ = find_peaks(strip.millivolts, prominence=0.95, distance=int(0.2 * ecg.SAMPLE_RATE))
    return peaks / ecg.SAMPLE_RATE


def rate_per_minute(peaks: np.ndarray) -> float:
    return 60 / float(np.mean(np.diff(peaks)))


@pytest.mark.parametrize("name", sorted([*ecg.RHYTHMS, *ecg.CHESTS]))
def test_the_committed_picture_is_what_the_script_draws(name):
    committed = MEDIA / f"{name}.png"
    assert committed.is_file(), f"{committed} missing: run `make ecg-strips`"
    with Image.open(committed) as stored:
        assert stored.size == pictures()[name].size
        assert stored.convert("RGB").tobytes() == pictures()[name].convert("RGB").tobytes(), (
            f"{name}.png differs from what tools/draw_ecg_strips.py draws: run `make ecg-strips`"
        )


def test_drawing_twice_gives_the_same_bytes():
    again = ecg.render_all()
    assert {n: ecg.png_bytes(i) for n, i in again.items()} == {
        n: ecg.png_bytes(i) for n, i in pictures().items()
    }


def test_every_picture_in_the_media_folder_comes_from_the_script():
    drawn = {f"{name}.png" for name in pictures()}
    assert {p.name for p in MEDIA.glob("ecg-*.png")} == drawn


def test_pictures_are_small_and_fine_enough_to_count_boxes():
    for name, image in pictures().items():
        assert len(ecg.png_bytes(image)) < 12_000, name
    assert ecg.PX_PER_MM >= 5  # a 1 mm box is at least 5 pixels wide
    with Image.open(io.BytesIO(ecg.png_bytes(pictures()["ecg-strip-a"]))) as image:
        assert image.width == 6 * 25 * ecg.PX_PER_MM + 1  # 6 s at 25 mm/s


# (minimum rate, maximum rate, QRS complexes in the 6-second strip) per rhythm; the counts are
# the keys of the 6-second-method questions (ca-ecg-003, -004, -006).
REGULAR = {
    "normal_sinus_rhythm": (73, 77, 7),
    "sinus_bradycardia": (45, 50, 5),
    "sinus_tachycardia": (120, 130, 12),
    "atrial_flutter": (73, 77, 7),
    "ventricular_tachycardia": (160, 175, 16),
    "somatic_tremor_artifact": (73, 77, 7),
    "wandering_baseline_artifact": (73, 77, 7),
    "ac_interference_artifact": (73, 77, 7),
}


@pytest.mark.parametrize("rhythm", sorted(REGULAR))
def test_regular_rhythms_are_drawn_at_their_labelled_rate(rhythm):
    low, high, count = REGULAR[rhythm]
    strip = getattr(ecg, rhythm)()
    peaks = qrs_peaks(strip)
    assert len(peaks) == count
    assert low <= rate_per_minute(peaks) <= high
    intervals = np.diff(peaks)
    assert intervals.max() - intervals.min() < 0.01  # regular
    assert np.allclose(peaks, strip.qrs_times, atol=0.01)


def test_atrial_fibrillation_is_irregularly_irregular_at_about_90():
    peaks = qrs_peaks(ecg.atrial_fibrillation())
    assert len(peaks) == 9  # 6-second method: 90/min (ca-ecg-006)
    intervals = np.diff(peaks)
    assert np.std(intervals) / np.mean(intervals) > 0.2
    assert len(set(np.round(intervals, 2))) == len(intervals)  # no two intervals alike


def test_atrial_flutter_shows_four_flutter_waves_per_qrs():
    strip = ecg.atrial_flutter()
    troughs, _ = find_peaks(-strip.millivolts, prominence=0.1, distance=int(0.1 * ecg.SAMPLE_RATE))
    f_waves = [t / ecg.SAMPLE_RATE for t in troughs]
    f_waves = [t for t in f_waves if min(abs(t - r) for r in strip.qrs_times) > 0.06]
    flutter_rate = 60 / float(np.median(np.diff(f_waves)))
    assert flutter_rate == pytest.approx(300, abs=5)
    assert flutter_rate / rate_per_minute(qrs_peaks(strip)) == pytest.approx(4, abs=0.1)


@pytest.mark.parametrize("rhythm", ["ventricular_fibrillation", "asystole"])
def test_arrest_rhythms_have_no_qrs_complexes(rhythm):
    strip = getattr(ecg, rhythm)()
    assert strip.qrs_times == ()
    assert len(qrs_peaks(strip)) == 0


def test_ventricular_fibrillation_is_coarse_and_asystole_nearly_flat():
    vf = ecg.ventricular_fibrillation().millivolts
    flat = ecg.asystole().millivolts
    assert np.ptp(vf) >= 0.5  # visible chaotic waves
    assert np.ptp(flat) <= 0.1  # under a small box of deflection either way


def test_ventricular_tachycardia_complexes_are_wide_and_sinus_ones_narrow():
    def qrs_width(strip) -> float:
        r = int(strip.qrs_times[1] * ecg.SAMPLE_RATE)
        window = np.abs(strip.millivolts[r - 150 : r + 300]) > 0.1
        return np.count_nonzero(window) / ecg.SAMPLE_RATE

    assert qrs_width(ecg.ventricular_tachycardia()) >= 0.12
    assert qrs_width(ecg.normal_sinus_rhythm()) < 0.10


def test_ac_interference_is_60_cycle():
    signal = ecg.ac_interference_artifact().millivolts - ecg.normal_sinus_rhythm().millivolts
    spectrum = np.abs(np.fft.rfft(signal))
    frequencies = np.fft.rfftfreq(signal.size, 1 / ecg.SAMPLE_RATE)
    assert frequencies[np.argmax(spectrum)] == pytest.approx(60, abs=0.5)
