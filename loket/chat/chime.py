"""The chat view's sound (``loket/static/loket/sounds/chat.wav``), made here: two short soft
tones, 16 kHz mono, 16 bit. ``python -m loket.chat.chime PATH`` writes it;
``tests/chat/test_pane.py`` checks that the committed file is this one."""

from __future__ import annotations

import io
import math
import struct
import sys
import wave

RATE = 16_000
TONES = ((880.0, 0.09), (1318.5, 0.14))  # A5 then E6: a rising "ding"
VOLUME = 0.28


def chime_wav() -> bytes:
    frames = bytearray()
    for frequency, seconds in TONES:
        count = int(RATE * seconds)
        for n in range(count):
            t = n / RATE
            # a quick attack and an exponential fade, so it never clicks
            envelope = min(1.0, n / (RATE * 0.005)) * math.exp(-5.0 * t / seconds)
            sample = VOLUME * envelope * math.sin(2 * math.pi * frequency * t)
            frames += struct.pack("<h", round(sample * 32767))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return out.getvalue()


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as handle:
        handle.write(chime_wav())
