"""Title cards: black with white text-like bars that fade in; they carry no genre and no sound."""

from __future__ import annotations

import numpy as np


class TitleCard:
    """A card of 1-3 lines of 2-5 "words" (white bars), fading in over 0.2-0.6 s."""

    def params(self, rng: np.random.Generator) -> dict:
        lines = int(rng.integers(1, 4))
        words = []
        for _ in range(lines):
            n = int(rng.integers(2, 6))
            w = rng.uniform(0.05, 0.16, n)
            words.append(tuple(float(x) for x in w))
        return {"lines": tuple(words), "fade": float(rng.uniform(0.2, 0.6))}

    def prepare(self, q: dict, rows: int, cols: int) -> np.ndarray:
        img = np.zeros((rows, cols, 3), np.uint8)
        lines = q["lines"]
        h = max(1, int(round(rows * 0.07)))
        gap = max(1, int(round(rows * 0.06)))
        y = (rows - len(lines) * h - (len(lines) - 1) * gap) // 2
        for words in lines:
            widths = [max(1, int(round(w * cols))) for w in words]
            space = max(1, int(round(cols * 0.025)))
            total = sum(widths) + space * (len(widths) - 1)
            if total > cols * 0.9:  # shrink long lines to fit
                f = cols * 0.9 / total
                widths = [max(1, int(w * f)) for w in widths]
                space = max(1, int(space * f))
                total = sum(widths) + space * (len(widths) - 1)
            x = (cols - total) // 2
            for w in widths:
                img[y : y + h, x : x + w] = 235
                x += w + space
            y += h + gap
        return img

    def draw(self, q: dict, card: np.ndarray, t: float) -> np.ndarray:
        """The card ``t`` seconds in: fading in from black."""
        alpha = min(1.0, (t + 1e-9) / q["fade"]) if q["fade"] > 0 else 1.0
        img = card if alpha >= 1.0 else (card * alpha).astype(np.uint8)
        return np.ascontiguousarray(img)
