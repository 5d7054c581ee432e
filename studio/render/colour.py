"""Pictures in the encoder's own format: BT.709, limited range, 4:2:0.

HD players read untagged H.264 as BT.709, and the export tags its stream so; the
frames are made in exactly that format so ffmpeg converts nothing.
"""

from __future__ import annotations

import numpy as np

KR, KB = 0.2126, 0.0722
KG = 1.0 - KR - KB
BLACK = (16, 128, 128)  # Y, U, V

# Rows give Y, U (Cb), V (Cr) from [B, G, R, 1] in 0..255 (OpenCV's channel order).
_BGR_TO_YUV = np.array([
    [219 * KB / 255, 219 * KG / 255, 219 * KR / 255, 16.0],
    [224 / 255 * (0.5), 224 / 255 * (-0.5 * KG / (1 - KB)), 224 / 255 * (-0.5 * KR / (1 - KB)), 128.0],
    [224 / 255 * (-0.5 * KB / (1 - KR)), 224 / 255 * (-0.5 * KG / (1 - KR)), 224 / 255 * (0.5), 128.0],
], dtype=np.float32)


def to_yuv(bgr: np.ndarray, subsample: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint8 BGR (even height and width) to Y, U, V planes; U and V at half size when `subsample`."""
    import cv2

    yuv = cv2.transform(bgr, _BGR_TO_YUV)
    y, u, v = (np.ascontiguousarray(yuv[:, :, i]) for i in range(3))
    if subsample:
        half = (bgr.shape[1] // 2, bgr.shape[0] // 2)
        u = cv2.resize(u, half, interpolation=cv2.INTER_AREA)
        v = cv2.resize(v, half, interpolation=cv2.INTER_AREA)
    return y, u, v


def yuv_of(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """One colour's Y, U, V (for filling and for tests)."""
    r, g, b = (c / 255 for c in rgb)
    y = KR * r + KG * g + KB * b
    u = 128 + 224 * (b - y) / (2 * (1 - KB))
    v = 128 + 224 * (r - y) / (2 * (1 - KR))
    return round(16 + 219 * y), round(u), round(v)
