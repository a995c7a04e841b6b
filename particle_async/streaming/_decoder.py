"""A bytes-level Server-Sent Events decoder with size limits. Pure: no I/O, no clock.

Why our own and not httpx-sse's `aiter_sse`: we need to count bytes, cap line and event
sizes (a 1 MB line must not grow memory without bound), discard a half-received event
when the connection drops, and keep the hot path cheap. Lines end at CR, LF or CRLF only
(never at U+2028 and friends, which may sit inside JSON). An event is handed out the
moment its blank line arrives.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

from attrs import define

__all__ = ["DecoderStats", "RawEvent", "SSEDecoder"]

RawEvent = tuple[str, str]
"""(event name, data) of one dispatched SSE event; the name is "message" when absent."""


_FRAME_OVERHEAD = len("\n\nevent: \ndata: ")
"""The characters of one `_frame_pattern` match besides its name and data."""


@lru_cache(maxsize=64)
def _frame_pattern(small: int) -> re.Pattern[str] | None:
    """Particle's frame, `event: N` then `data: D`, each preceded by its blank-line
    separator, with each line at most `small` characters (so surely within the caps, which
    count bytes, up to 4 per character). None when the caps leave no room for a frame."""
    if small <= len("event: "):
        return None
    names, datas = small - len("event: "), small - len("data: ")
    return re.compile(rf"\n\nevent: ([^\n]{{1,{names}}})\ndata: ([^\n]{{0,{datas}}})(?=\n\n|\Z)")


@define
class DecoderStats:
    """What the decoder saw: complete lines (progress), comments (keep-alives), skips."""

    lines: int = 0
    comments: int = 0
    oversized: int = 0


class SSEDecoder:
    """Feed it chunks of bytes; it returns the complete events each chunk finished.

    The cost is linear in the bytes received however they are chunked: an unfinished
    line waits as a list of pieces, and a chunk that holds no line ending is only
    appended to it (never rescanned with all that came before), so a 250 KB line
    trickled one byte at a time costs 250 K appends, not 250 K rescans.
    """

    __slots__ = (
        "_data",
        "_discarding_line",
        "_event_size",
        "_name",
        "_partial",
        "_partial_size",
        "_pattern",
        "_skipping_event",
        "max_event_bytes",
        "max_line_bytes",
        "stats",
    )

    def __init__(self, *, max_line_bytes: int = 256 * 1024, max_event_bytes: int = 1024 * 1024):
        self.max_line_bytes = max_line_bytes
        self.max_event_bytes = max_event_bytes
        self.stats = DecoderStats()
        # Lines a quarter of the smaller cap long (in characters) are surely within both
        # caps. The caps are fixed at construction: the pattern is built from them.
        self._pattern = _frame_pattern(min(max_line_bytes, max_event_bytes) // 4)
        self.reset()

    def reset(self) -> None:
        """Forget any partial line and event (the connection dropped mid-event)."""
        self._partial: list[bytes] = []
        self._partial_size = 0
        self._discarding_line = False
        self._name = ""
        self._data: list[bytes] = []
        self._event_size = 0
        self._skipping_event = False

    @property
    def has_partial(self) -> bool:
        """True while part of an event (or of a line) has arrived without its end."""
        return bool(self._partial or self._data or self._skipping_event or self._name)

    def feed(self, chunk: bytes) -> list[RawEvent]:
        """Decode one chunk; return the events whose terminating blank line it held."""
        partial = self._partial
        if chunk[:1] == b":" and not partial and self._is_keep_alive(chunk):
            self.stats.lines += 2  # an idle stream's keep-alive: one comment, one blank line
            self.stats.comments += 1
            return []
        if (
            b"\n" not in chunk
            and b"\r" not in chunk
            and not (partial and partial[-1][-1:] == b"\r")
        ):
            self._hold(chunk)  # no line ends here: the common trickle case, O(len(chunk))
            return []
        if partial:
            chunk = b"".join(partial) + chunk
            self._partial = []
            self._partial_size = 0
        return self._lines(chunk)

    def _is_keep_alive(self, chunk: bytes) -> bool:
        """The chunk is exactly one comment line and the blank line after it, from a clean
        start: what an idle stream receives every few seconds, so it skips the line split."""
        return (
            chunk.find(b"\n") == len(chunk) - 2
            and chunk.endswith(b"\n\n")
            and b"\r" not in chunk
            and len(chunk) - 2 <= self.max_line_bytes
            and not (self._data or self._name or self._skipping_event or self._discarding_line)
        )

    def _hold(self, piece: bytes) -> None:
        """Keep a piece of an unfinished line, or drop it if the line is already too long."""
        if self._discarding_line or not piece:
            return
        self._partial.append(piece)
        self._partial_size += len(piece)
        if self._partial_size > self.max_line_bytes:
            self._overflow_line()

    def _lines(self, buffer: bytes) -> list[RawEvent]:
        """Act on the complete lines of `buffer`; the unfinished rest waits in `_partial`.

        Three steps: finish the event a previous chunk left open, line by line; then
        whole `event:`/`data:` frames, the form Particle always sends, each matched at
        once (`_frames`); then the lines of the event still open at the end.
        """
        if b"\r" in buffer:
            buffer = self._normalise_cr(buffer)
        self.stats.lines += buffer.count(b"\n")
        events: list[RawEvent] = []
        if self._data or self._name or self._skipping_event or self._discarding_line:
            end = buffer.find(b"\n\n")
            if end == -1:
                lines = buffer.split(b"\n")
                self._hold(lines.pop())
                self._handle(lines, events)
                return events
            self._handle([*buffer[:end].split(b"\n"), b""], events)
            buffer = buffer[end + 2 :]
        cut = buffer.rfind(b"\n\n")
        if cut != -1:
            self._frames(buffer[:cut], events)
            buffer = buffer[cut + 2 :]
        rest = buffer.split(b"\n")
        self._hold(rest.pop())
        self._handle(rest, events)
        return events

    def _frames(self, whole: bytes, events: list[RawEvent]) -> None:
        """Whole events (each ended by a blank line) from a clean start.

        The bytes are decoded once, not line by line; that is the same text, since a line
        end is never inside a UTF-8 sequence. Particle always sends `event: N` followed by
        `data: D`, and one regex reads every frame of that form at once (`_frame_pattern`).
        A match starts at a separator and holds no line end but the one between its two
        lines, so when the matches' lengths add up to the whole text, they are its frames,
        every one. Otherwise each frame is taken on its own (`_frame`).
        """
        text = "\n\n" + whole.decode("utf-8", "replace")
        pattern = self._pattern
        if pattern is not None:
            found: list[RawEvent] = pattern.findall(text)
            covered = sum(map(len, chain.from_iterable(found))) + _FRAME_OVERHEAD * len(found)
            if covered == len(text):
                events.extend(found)
                return
        for frame, frame_bytes in zip(text[2:].split("\n\n"), whole.split(b"\n\n"), strict=True):
            self._frame(frame, frame_bytes, events)

    def _frame(self, frame: str, frame_bytes: bytes, events: list[RawEvent]) -> None:
        """One whole frame of a chunk not all in Particle's form: in that form, read by the
        same pattern; in any other, by the line-by-line rules on its own bytes."""
        pattern = self._pattern
        match = pattern.fullmatch("\n\n" + frame) if pattern is not None else None
        if match is not None:
            name, data = match.groups()
            events.append((name, data))
        else:
            self._handle([*frame_bytes.split(b"\n"), b""], events)

    def _handle(self, lines: list[bytes], events: list[RawEvent]) -> None:
        """The SSE rules for each complete line, in order."""
        max_line = self.max_line_bytes
        for line in lines:
            if self._discarding_line:
                self._discarding_line = False  # the tail of an oversized line
            elif not line:
                if self._data or self._skipping_event:
                    self._dispatch(events)
                else:
                    self._name = ""
            elif len(line) > max_line:
                self._skip_event()
            elif line[0] == 0x3A:  # ":" comment, e.g. ":ok" or a keep-alive
                self.stats.comments += 1
            elif line.startswith(b"data: ") and not self._skipping_event:
                self._add_data(line[6:])
            elif line.startswith(b"event: ") and not self._skipping_event:
                self._name = line[7:].decode("utf-8", "replace")
            else:
                self._field(line)

    def _normalise_cr(self, buffer: bytes) -> bytes:
        """CRLF and lone CR become LF; a trailing CR waits for the next chunk (maybe CRLF)."""
        pending = buffer.endswith(b"\r")
        if pending:
            buffer = buffer[:-1]
        buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # The kept CR stays inside the unfinished last line until the next chunk.
        return buffer + b"\r" if pending else buffer

    def _overflow_line(self) -> None:
        """A line longer than the cap: drop it and the event it belongs to."""
        self._partial = []
        self._partial_size = 0
        self._discarding_line = True
        self._skip_event()

    def _skip_event(self) -> None:
        if not self._skipping_event:
            self.stats.oversized += 1
        self._skipping_event = True
        self._data = []

    def _field(self, line: bytes) -> None:
        if self._skipping_event:
            return
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._add_data(value)
        elif name == b"event":
            self._name = value.decode("utf-8", "replace")
        # "id" and "retry" mean nothing to Particle streams; unknown fields are ignored.

    def _add_data(self, value: bytes) -> None:
        self._event_size += len(value)
        if self._event_size > self.max_event_bytes:
            self._skip_event()
        else:
            self._data.append(value)

    def _dispatch(self, events: list[RawEvent]) -> None:
        if not self._skipping_event:
            parts = self._data
            data = parts[0] if len(parts) == 1 else b"\n".join(parts)
            events.append((self._name or "message", data.decode("utf-8", "replace")))
        self._name = ""
        self._data = []
        self._event_size = 0
        self._skipping_event = False
