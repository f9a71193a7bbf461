"""Draw the ECG pictures of the clinical bank: synthetic lead II rhythm strips and the chest leads.

    python tools/draw_ecg_strips.py [output folder]      (default: question_banks/media)

Each strip is 6 seconds of lead II on standard paper: 25 mm/s and 10 mm/mV, 1 mm small boxes
and 5 mm large boxes, with marks above the grid at 0, 3 and 6 seconds. The signal is a sum of
Gaussian waves per beat (P, Q, R, S, T) plus whatever the rhythm adds (fibrillatory or flutter
waves, chaotic activity, artifact); random parts use fixed seeds, and the pictures are drawn
without anti-aliasing in a four-colour palette, so every run writes the same small PNG files.
The strips carry no text: the question says lead, speed and calibration, and alt text says what
is visible. Only numpy and Pillow are used.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: Samples per second of the synthetic signal (fine enough for a 60 Hz artifact).
SAMPLE_RATE = 1500
STRIP_SECONDS = 6.0
PAPER_SPEED_MM_S = 25
GAIN_MM_MV = 10
PX_PER_MM = 6
PAPER_HEIGHT_MM = 40
#: Where 0 mV sits, in mm from the top of the grid.
BASELINE_MM = 24
#: Room above the grid for the 3-second marks, in px.
TOP_MARGIN_PX = 14

PAPER, SMALL_LINE, LARGE_LINE, INK = 0, 1, 2, 3
PALETTE = [255, 246, 246, 246, 196, 196, 214, 92, 92, 0, 0, 0]

OUTPUT = Path(__file__).resolve().parents[1] / "question_banks" / "media"


@dataclass(frozen=True)
class Strip:
    """A synthetic lead II strip: the voltage in mV sampled at SAMPLE_RATE, and the times (s)
    of the QRS complexes drawn into it (empty when there are none)."""

    millivolts: np.ndarray
    qrs_times: tuple[float, ...]


def _times() -> np.ndarray:
    return np.arange(int(STRIP_SECONDS * SAMPLE_RATE)) / SAMPLE_RATE


def _wave(t: np.ndarray, centre: float, amplitude: float, width: float) -> np.ndarray:
    return amplitude * np.exp(-(((t - centre) / width) ** 2) / 2)


def _beats(
    qrs_times,
    *,
    p_wave: bool = True,
    t_amplitude: float = 0.3,
    wide: bool = False,
) -> np.ndarray:
    """The P-QRS-T complexes of the beats whose R waves fall at `qrs_times`."""
    t = _times()
    signal = np.zeros_like(t)
    for r in qrs_times:
        if wide:  # ventricular origin: broad, tall R and a broad opposite wave after it
            signal += _wave(t, r, 1.3, 0.030) + _wave(t, r + 0.13, -0.7, 0.045)
            continue
        if p_wave:
            signal += _wave(t, r - 0.16, 0.15, 0.022)
        signal += _wave(t, r - 0.028, -0.12, 0.008)
        signal += _wave(t, r, 1.1, 0.010)
        signal += _wave(t, r + 0.03, -0.25, 0.009)
        signal += _wave(t, r + 0.24, t_amplitude, 0.045)
    return signal


def _regular(first: float, interval: float) -> tuple[float, ...]:
    """R-wave times every `interval` seconds from `first`, kept off the strip's ends."""
    return tuple(float(x) for x in np.arange(first, STRIP_SECONDS - 0.15, interval))


def _strip(qrs_times, **beat_options) -> Strip:
    return Strip(_beats(qrs_times, **beat_options), tuple(qrs_times))


# ---- rhythms -----------------------------------------------------------------------------------
# Intervals are whole small boxes (0.04 s) and the first R wave sits on a large-box line, so
# the 300 and 1500 rules give exact answers on the drawn paper.


def normal_sinus_rhythm() -> Strip:
    """Regular, 75/min: R to R 0.80 s (4 large boxes), a P wave before every narrow QRS."""
    return _strip(_regular(0.4, 0.80))


def sinus_bradycardia() -> Strip:
    """Regular, 47/min: R to R 1.28 s (32 small boxes); 5 QRS complexes in 6 s."""
    return _strip(_regular(0.4, 1.28))


def sinus_tachycardia() -> Strip:
    """Regular, 125/min: R to R 0.48 s (12 small boxes); 12 QRS complexes in 6 s."""
    return _strip(_regular(0.4, 0.48), t_amplitude=0.25)


def atrial_fibrillation() -> Strip:
    """Irregularly irregular, 9 QRS complexes in 6 s (about 90/min), no P waves, a fine
    fibrillatory baseline."""
    intervals = [0.52, 0.81, 0.47, 0.69, 0.95, 0.56, 0.74, 0.50]
    qrs = tuple(float(x) for x in np.round(0.35 + np.cumsum([0.0, *intervals]), 2))
    t = _times()
    rng = np.random.default_rng(1812)
    baseline = sum(
        rng.uniform(0.015, 0.035)
        * np.sin(2 * np.pi * rng.uniform(5.5, 9.0) * t + rng.uniform(0, 6.3))
        for _ in range(6)
    )
    return Strip(_beats(qrs, p_wave=False, t_amplitude=0.2) + baseline, qrs)


def atrial_flutter() -> Strip:
    """Sawtooth flutter waves at 300/min (one every large box) with 4:1 conduction: regular
    QRS complexes at 75/min."""
    t = _times()
    phase = (t / 0.2) % 1.0
    # Lead II: a slow downslope and a quick return, 0.25 mV deep.
    sawtooth = np.where(phase < 0.75, -phase / 0.75, -1 + (phase - 0.75) / 0.25) * 0.25 + 0.12
    qrs = _regular(0.4, 0.80)
    return Strip(_beats(qrs, p_wave=False, t_amplitude=0.1) + sawtooth, qrs)


def ventricular_tachycardia() -> Strip:
    """Wide (about 0.16 s), regular complexes at 167/min (R to R 9 small boxes), no P waves."""
    return _strip(_regular(0.4, 0.36), wide=True)


def ventricular_fibrillation() -> Strip:
    """Chaotic waves of changing height and shape, no P waves, QRS complexes or T waves."""
    t = _times()
    rng = np.random.default_rng(2025)
    signal = np.zeros_like(t)
    for _ in range(7):
        frequency = rng.uniform(3.5, 7.5)
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t + rng.uniform(0, 6.3))
        signal += (
            rng.uniform(0.08, 0.16)
            * envelope
            * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6.3))
        )
    return Strip(signal, ())


def asystole() -> Strip:
    """An almost flat line: a slight slow drift and tiny noise, no complexes."""
    t = _times()
    rng = np.random.default_rng(7)
    return Strip(0.03 * np.sin(2 * np.pi * 0.15 * t + 1.0) + rng.normal(0, 0.006, t.size), ())


def somatic_tremor_artifact() -> Strip:
    """Normal sinus beats under irregular, jagged muscle artifact of varying size."""
    strip = normal_sinus_rhythm()
    t = _times()
    rng = np.random.default_rng(31)
    noise = rng.normal(0, 1, t.size)
    kernel = np.ones(15) / 15  # keep it below ~100 Hz so it reads as tremor, not AC hum
    tremor = np.convolve(noise, kernel, mode="same") * 0.35
    bursts = 0.6 + 0.4 * np.abs(np.sin(2 * np.pi * 0.4 * t))
    return Strip(strip.millivolts + tremor * bursts, strip.qrs_times)


def wandering_baseline_artifact() -> Strip:
    """Normal sinus beats on a baseline that drifts slowly up and down."""
    strip = normal_sinus_rhythm()
    t = _times()
    drift = 0.45 * np.sin(2 * np.pi * 0.22 * t + 0.3) + 0.15 * np.sin(2 * np.pi * 0.5 * t)
    return Strip(strip.millivolts + drift, strip.qrs_times)


def ac_interference_artifact() -> Strip:
    """Normal sinus beats with a regular 60-cycle hum that thickens the whole baseline."""
    strip = normal_sinus_rhythm()
    t = _times()
    return Strip(strip.millivolts + 0.07 * np.sin(2 * np.pi * 60 * t), strip.qrs_times)


#: File name (without .png) → the rhythm drawn in it.
RHYTHMS: dict[str, Callable[[], Strip]] = {
    "ecg-strip-a": normal_sinus_rhythm,
    "ecg-strip-b": sinus_bradycardia,
    "ecg-strip-c": sinus_tachycardia,
    "ecg-strip-d": atrial_fibrillation,
    "ecg-strip-e": atrial_flutter,
    "ecg-strip-f": ventricular_tachycardia,
    "ecg-strip-g": ventricular_fibrillation,
    "ecg-strip-h": asystole,
    "ecg-strip-j": somatic_tremor_artifact,
    "ecg-strip-k": wandering_baseline_artifact,
    "ecg-strip-m": ac_interference_artifact,
}


# ---- drawing -----------------------------------------------------------------------------------


def _paper(width_px: int, height_px: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("P", (width_px, height_px + TOP_MARGIN_PX), PAPER)
    image.putpalette(PALETTE)
    return image, ImageDraw.Draw(image)


def draw_strip(strip: Strip) -> Image.Image:
    """The strip on ECG paper; neutral file names keep the rhythm out of the picture's URL."""
    width_mm = int(STRIP_SECONDS * PAPER_SPEED_MM_S)
    width, height = width_mm * PX_PER_MM, PAPER_HEIGHT_MM * PX_PER_MM
    image, draw = _paper(width + 1, height + 1)
    top = TOP_MARGIN_PX
    for mm in range(width_mm + 1):
        if mm % 5:
            draw.line([(mm * PX_PER_MM, top), (mm * PX_PER_MM, top + height)], SMALL_LINE)
    for mm in range(PAPER_HEIGHT_MM + 1):
        if mm % 5:
            draw.line([(0, top + mm * PX_PER_MM), (width, top + mm * PX_PER_MM)], SMALL_LINE)
    for mm in range(0, width_mm + 1, 5):
        draw.line([(mm * PX_PER_MM, top), (mm * PX_PER_MM, top + height)], LARGE_LINE)
    for mm in range(0, PAPER_HEIGHT_MM + 1, 5):
        draw.line([(0, top + mm * PX_PER_MM), (width, top + mm * PX_PER_MM)], LARGE_LINE)
    for second in (0, 3, 6):  # the 3-second marks printed above a rhythm strip
        x = min(second * PAPER_SPEED_MM_S * PX_PER_MM, width - 1)
        draw.line([(x, 0), (x, top - 3)], INK, width=3)
    px_per_sample = PAPER_SPEED_MM_S * PX_PER_MM / SAMPLE_RATE
    xs = np.arange(strip.millivolts.size) * px_per_sample
    ys = top + (BASELINE_MM - strip.millivolts * GAIN_MM_MV) * PX_PER_MM
    ys = np.clip(ys, top, top + height)
    draw.line(
        [(float(x), float(y)) for x, y in zip(xs.round(1), ys.round(1), strict=True)], INK, width=2
    )
    return image


def _label(image: Image.Image, xy: tuple[int, int], text: str, colour: int) -> None:
    """Text from Pillow's built-in bitmap font, doubled: identical on every machine."""
    font = ImageFont.load_default_imagefont()
    *_, right, bottom = font.getbbox(text)
    mask = Image.new("1", (right, bottom), 0)
    ImageDraw.Draw(mask).text((0, 0), text, 1, font=font)
    mask = mask.resize((right * 2, bottom * 2), Image.Resampling.NEAREST)
    x, y = xy
    image.paste(colour, (x - right, y - bottom, x + right, y + bottom), mask)


# Chest geometry (px): the patient faces the viewer, so the patient's right is on the left.
_MIDLINE = 300
_STERNAL_HALF_WIDTH = 26
_RIB_TOP = 96  # where the 1st rib meets the sternum
_RIB_GAP = 46
_LINES = {  # x of each vertical line on the patient's left; right side mirrored
    "sternal border": _STERNAL_HALF_WIDTH,
    "midclavicular": 110,
    "anterior axillary": 170,
    "midaxillary": 212,
}


def _rib_y(rib: int, offset: float) -> float:
    """Height of rib `rib` at `offset` px from the midline: ribs slope down as they go out."""
    d = max(abs(offset) - _STERNAL_HALF_WIDTH, 0)
    return _RIB_TOP + (rib - 1) * _RIB_GAP + 0.35 * d + 0.0009 * d * d


def chest_site(space: int, line: str, side: str = "left") -> tuple[float, float]:
    """The point in intercostal space `space` (below rib `space`) on a vertical line."""
    offset = _LINES[line] * (1 if side == "left" else -1)
    return _MIDLINE + offset, (_rib_y(space, offset) + _rib_y(space + 1, offset)) / 2


def draw_chest(electrodes: dict[str, tuple[float, float]]) -> Image.Image:
    """A torso from the front with ribs, sternum, reference lines and labelled electrodes."""
    image = Image.new("P", (600, 560), PAPER)
    image.putpalette([255, 255, 255, 190, 190, 190, 120, 120, 120, 0, 0, 0])
    draw = ImageDraw.Draw(image)
    outline = [(255, 0), (255, 40), (150, 60), (70, 90), (60, 130), (70, 260), (78, 420),
               (88, 559)]  # fmt: skip
    draw.line(outline, INK, width=3)
    draw.line([(2 * _MIDLINE - x, y) for x, y in outline], INK, width=3)
    for side in (-1, 1):  # clavicles
        draw.line([(_MIDLINE + side * 20, 78), (_MIDLINE + side * 150, 66)], LARGE_LINE, width=5)
    for rib in range(1, 9):
        for side in (-1, 1):
            offsets = np.arange(_STERNAL_HALF_WIDTH, 232 - (rib < 2) * 80, 4)
            points = [(_MIDLINE + side * d, _rib_y(rib, d)) for d in offsets]
            draw.line([(float(x), float(y)) for x, y in points], LARGE_LINE, width=4)
    sternum_bottom = _rib_y(7, 0) + 6
    draw.rectangle(
        [_MIDLINE - _STERNAL_HALF_WIDTH, 70, _MIDLINE + _STERNAL_HALF_WIDTH, sternum_bottom],
        outline=INK,
        width=2,
    )
    draw.line([(_MIDLINE - 20, _rib_y(2, 0)), (_MIDLINE + 20, _rib_y(2, 0))], INK, width=2)
    draw.polygon(
        [
            (_MIDLINE - 12, sternum_bottom),
            (_MIDLINE + 12, sternum_bottom),
            (_MIDLINE, sternum_bottom + 26),
        ],
        outline=INK,
    )
    lines = (
        ("midclavicular", "MCL", 510),
        ("anterior axillary", "AAL", 490),
        ("midaxillary", "MAL", 530),
    )
    for name, short, label_y in lines:  # on the patient's left, where V4-V6 go
        x = _MIDLINE + _LINES[name]
        for y in range(60, 470, 12):
            draw.line([(x, y), (x, y + 5)], LARGE_LINE, width=1)
        _label(image, (x, label_y), short, INK)
    for rib in range(1, 9):  # rib numbers at the patient's right edge of the sternum
        _label(
            image, (_MIDLINE - _STERNAL_HALF_WIDTH - 14, int(_rib_y(rib, 30))), str(rib), LARGE_LINE
        )
    _label(image, (110, 20), "PATIENT'S RIGHT", INK)
    _label(image, (490, 20), "PATIENT'S LEFT", INK)
    for name, (x, y) in electrodes.items():
        draw.ellipse([x - 19, y - 19, x + 19, y + 19], fill=PAPER, outline=INK, width=3)
        _label(image, (int(x), int(y)), name, INK)
    return image


def chest_sites_lettered() -> dict[str, tuple[float, float]]:
    """Six candidate sites, lettered: four are standard V-lead positions (V1, V2, V4, V6)."""
    return {
        "A": chest_site(2, "sternal border", "right"),
        "B": chest_site(4, "sternal border", "right"),
        "C": chest_site(4, "sternal border", "left"),
        "D": chest_site(4, "midclavicular", "left"),
        "E": chest_site(5, "midclavicular", "left"),
        "F": (_MIDLINE + _LINES["midaxillary"], chest_site(5, "midclavicular")[1]),
    }


def chest_leads_v1_v2_high() -> dict[str, tuple[float, float]]:
    """V1-V6 with V1 and V2 one space too high (3rd space) and V3-V6 correct."""
    v4 = chest_site(5, "midclavicular")
    v2 = chest_site(3, "sternal border")
    return {
        "V1": chest_site(3, "sternal border", "right"),
        "V2": v2,
        "V3": ((v2[0] + v4[0]) / 2, (v2[1] + v4[1]) / 2),
        "V4": v4,
        "V5": (_MIDLINE + _LINES["anterior axillary"], v4[1]),
        "V6": (_MIDLINE + _LINES["midaxillary"], v4[1]),
    }


def chest_leads_standard() -> dict[str, tuple[float, float]]:
    """V1-V6 in the standard positions."""
    leads = chest_leads_v1_v2_high()
    leads["V1"] = chest_site(4, "sternal border", "right")
    leads["V2"] = chest_site(4, "sternal border")
    v2, v4 = leads["V2"], leads["V4"]
    leads["V3"] = ((v2[0] + v4[0]) / 2, (v2[1] + v4[1]) / 2)
    return leads


CHESTS: dict[str, Callable[[], dict[str, tuple[float, float]]]] = {
    "ecg-chest-sites": chest_sites_lettered,
    "ecg-chest-leads": chest_leads_v1_v2_high,
    "ecg-chest-standard": chest_leads_standard,
}


def render_all() -> dict[str, Image.Image]:
    """Every picture by file name (without .png)."""
    pictures = {name: draw_strip(rhythm()) for name, rhythm in RHYTHMS.items()}
    pictures.update({name: draw_chest(sites()) for name, sites in CHESTS.items()})
    return pictures


def png_bytes(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str]) -> None:
    folder = Path(argv[1]) if len(argv) > 1 else OUTPUT
    folder.mkdir(parents=True, exist_ok=True)
    for name, image in render_all().items():
        path = folder / f"{name}.png"
        path.write_bytes(png_bytes(image))
        print(f"{path} {image.width}x{image.height} {path.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv)
