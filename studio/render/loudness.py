"""Integrated loudness (ITU-R BS.1770-4 / EBU R128) and normalization, with numpy alone.

The K-weighting filter is two biquads (a high shelf and a high-pass). Instead of
running them sample by sample in Python, their impulse response (which dies out in
well under a second) is convolved through FFTs in blocks: the same filter, at numpy
speed and in bounded memory. Mono and stereo channels weigh 1, as in the standard.
"""

from __future__ import annotations

import math

import numpy as np

BLOCK = 0.4  # gating block, seconds
STEP = 0.1  # 75 % overlap
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
_IR_LENGTH = 1 << 15  # ≈0.7 s at 48 kHz: the response is below 1e-9 long before


def fast_length(n: int) -> int:
    """The smallest 2^a·3^b·5^c ≥ n: FFT lengths with large prime factors are many times slower."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def k_weighting(rate: int) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """The two K-weighting biquads as (b, a) for `rate` (the standard's 48 kHz values, generalized)."""
    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0), \
        (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = (1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    return [shelf, highpass]


def _response(rate: int, n: int) -> np.ndarray:
    z = np.exp(-2j * np.pi * np.arange(n // 2 + 1) / n)  # z^-1 on the FFT's bins
    h = np.ones_like(z)
    for b, a in k_weighting(rate):
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return h


def hop_energy(samples: np.ndarray, rate: int) -> np.ndarray:
    """Energy of the K-weighted signal, summed over channels, in each 100 ms hop.

    Filtered block by block (overlap-add) and reduced at once, so memory stays a
    few blocks whatever the length of the sound.
    """
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[:, None]
    hop = round(STEP * rate)
    ir = np.fft.irfft(_response(rate, _IR_LENGTH), _IR_LENGTH)
    block = max(hop, (1 << 18) // hop * hop)  # whole hops, so no hop straddles two blocks
    n_fft = fast_length(block + _IR_LENGTH)
    ir_spectrum = np.fft.rfft(ir, n_fft)[:, None]
    energies = []
    carry = np.zeros((n_fft - block, x.shape[1]))
    for i in range(0, len(x), block):
        piece = np.fft.irfft(np.fft.rfft(x[i:i + block].astype(np.float64), n_fft, axis=0) * ir_spectrum,
                             n_fft, axis=0)
        piece[: len(carry)] += carry
        carry = piece[block:].copy()
        y = piece[: min(block, len(x) - i)]
        whole = len(y) // hop * hop
        energies.append(np.sum(y[:whole].reshape(-1, hop, y.shape[1]) ** 2, axis=(1, 2)))
    return np.concatenate(energies) if energies else np.zeros(0)


def block_loudness(samples: np.ndarray, rate: int) -> np.ndarray:
    """Loudness of each 400 ms block (100 ms apart), in LUFS."""
    hops_per_block = round(BLOCK / STEP)
    energy = hop_energy(samples, rate)
    if len(energy) < hops_per_block:
        return np.zeros(0)
    csum = np.concatenate([[0.0], np.cumsum(energy)])
    mean_square = (csum[hops_per_block:] - csum[:-hops_per_block]) / (hops_per_block * round(STEP * rate))
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(mean_square)


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Gated integrated loudness in LUFS; -inf for silence or less than 400 ms of sound."""
    blocks = block_loudness(samples, rate)
    blocks = blocks[blocks > ABSOLUTE_GATE]
    if len(blocks) == 0:
        return float("-inf")
    energy = 10 ** ((blocks + 0.691) / 10)
    relative = -0.691 + 10 * math.log10(energy.mean()) + RELATIVE_GATE
    kept = energy[blocks > relative]
    return -0.691 + 10 * math.log10(kept.mean())


def limit(samples: np.ndarray, rate: int, ceiling_db: float = -1.0) -> np.ndarray:
    """Pull peaks under the ceiling with a short look-ahead gain ride (10 ms steps)."""
    ceiling = 10 ** (ceiling_db / 20)
    peak = np.max(np.abs(samples), axis=1) if samples.ndim == 2 else np.abs(samples)
    if len(peak) == 0 or peak.max() <= ceiling:
        return samples
    step = max(1, round(0.01 * rate))
    n_blocks = -(-len(peak) // step)
    padded = np.zeros(n_blocks * step, np.float32)
    padded[: len(peak)] = peak
    need = np.minimum(1.0, ceiling / np.maximum(padded.reshape(n_blocks, step).max(axis=1), 1e-12))
    # Each block's gain also covers its neighbours, so the straight lines drawn
    # between block centres never rise above what any sample needs.
    need = np.minimum(need, np.minimum(np.r_[need[1:], 1.0], np.r_[1.0, need[:-1]]))
    centres = (np.arange(n_blocks) + 0.5) * step
    gain = np.interp(np.arange(len(peak)), centres, need).astype(np.float32)
    return samples * (gain[:, None] if samples.ndim == 2 else gain)


def normalize(samples: np.ndarray, rate: int, target_lufs: float, ceiling_db: float = -1.0) -> tuple[np.ndarray, float]:
    """Samples brought to `target_lufs` integrated, peaks held under the ceiling; and their loudness."""
    loudness = integrated_loudness(samples, rate)
    if not math.isfinite(loudness):
        return samples, loudness
    out = samples
    for _ in range(3):  # limiting lowers the loudness a little: correct for it
        gained = out * np.float32(10 ** ((target_lufs - loudness) / 20))
        out = limit(gained, rate, ceiling_db)
        if out is gained:  # a plain gain: the loudness is the target, no need to measure again
            loudness = target_lufs
            break
        loudness = integrated_loudness(out, rate)
        if abs(loudness - target_lufs) < 0.2:
            break
    return out.astype(np.float32, copy=False), loudness
