//! Server-sent events (HTML Living Standard §9.2) through the list filter:
//! the stream is cut into events at blank lines, the event carrying a list
//! response is rewritten, and every other event goes on as it came, as soon
//! as it is complete (a client dispatches nothing earlier). An event left
//! unfinished when the stream ends is dropped: clients discard it too.

use crate::mcp::list_filter::{ListFilter, Unreadable};

/// No event the gateway must read is held beyond this; past it the stream is cut.
pub const MAX_EVENT_BYTES: usize = 16 << 20;

/// Why the stream was cut: a list response that could not be filtered, or
/// an event too large to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseError {
    Unreadable,
    EventTooLarge,
}

pub struct SseFilter {
    filter: ListFilter,
    /// The current, incomplete event.
    pending: Vec<u8>,
    /// Where the current line starts in `pending`.
    line_start: usize,
    /// How far `pending` has been scanned for line ends.
    scanned: usize,
}

impl SseFilter {
    pub fn new(filter: ListFilter) -> Self {
        Self { filter, pending: Vec::new(), line_start: 0, scanned: 0 }
    }

    /// Takes a chunk of the stream; returns the bytes of the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, SseError> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::new();
        while let Some((line_end, next)) = self.next_line_end() {
            let blank = line_end == self.line_start;
            self.line_start = next;
            self.scanned = next;
            if blank {
                let event: Vec<u8> = self.pending.drain(..next).collect();
                (self.line_start, self.scanned) = (0, 0);
                out.extend(self.rewrite(&event)?);
            }
        }
        if self.pending.len() > MAX_EVENT_BYTES {
            return Err(SseError::EventTooLarge);
        }
        Ok(out)
    }

    /// The next line end at or after `scanned`: (where the line ends, where
    /// the next begins). A CR at the very end waits for a possible LF.
    fn next_line_end(&self) -> Option<(usize, usize)> {
        let rest = self.pending.get(self.scanned..)?;
        let offset = rest.iter().position(|&byte| byte == b'\n' || byte == b'\r')?;
        let at = self.scanned + offset;
        match (rest.get(offset), rest.get(offset + 1)) {
            (Some(b'\n'), _) => Some((at, at + 1)),
            (_, Some(b'\n')) => Some((at, at + 2)),
            (_, Some(_)) => Some((at, at + 1)),
            (_, None) => None,
        }
    }

    /// One complete event (with its blank line): as it was, or with its
    /// `data` replaced by the filtered message.
    fn rewrite(&self, event: &[u8]) -> Result<Vec<u8>, SseError> {
        let lines: Vec<&[u8]> = split_lines(event);
        let mut data: Vec<u8> = Vec::new();
        let mut has_data = false;
        for line in &lines {
            if let Some(value) = field(line, b"data") {
                if has_data {
                    data.push(b'\n');
                }
                data.extend_from_slice(value);
                has_data = true;
            }
        }
        if !has_data {
            return Ok(event.to_vec());
        }
        let filtered = match self.filter.filter_json(&data) {
            Ok(Some(filtered)) => filtered,
            Ok(None) => return Ok(event.to_vec()),
            // Text that is not even meant as JSON is no message; what looks
            // like an object or array but is not JSON to us (`NaN`, `Infinity`
            // are JSON to some clients) is not passed on unchecked.
            Err(Unreadable)
                if !data.trim_ascii_start().starts_with(b"{")
                    && !data.trim_ascii_start().starts_with(b"[") =>
            {
                return Ok(event.to_vec());
            }
            Err(Unreadable) => return Err(SseError::Unreadable),
        };
        let mut out = Vec::with_capacity(event.len());
        let mut wrote_data = false;
        for line in lines.iter().filter(|line| !line.is_empty()) {
            if field(line, b"data").is_some() {
                if !wrote_data {
                    // A line feed kept inside an entry (the origin split its
                    // data there) starts a new `data:` line, so the client
                    // joins the same text back.
                    for part in filtered.split(|&byte| byte == b'\n') {
                        out.extend_from_slice(b"data: ");
                        out.extend_from_slice(part);
                        out.push(b'\n');
                    }
                    wrote_data = true;
                }
            } else {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        out.push(b'\n');
        Ok(out)
    }
}

/// The lines of a complete event, without their terminators (CRLF, LF or CR).
fn split_lines(event: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut rest = event;
    while let Some(end) = rest.iter().position(|&byte| byte == b'\n' || byte == b'\r') {
        let Some((line, tail)) = rest.split_at_checked(end) else { break };
        lines.push(line);
        let terminator = if tail.starts_with(b"\r\n") { 2 } else { 1 };
        rest = tail.get(terminator..).unwrap_or_default();
    }
    lines
}

/// The value of a line of field `name` (`name:value`, one leading space
/// dropped; a bare `name` is an empty value).
fn field<'l>(line: &'l [u8], name: &[u8]) -> Option<&'l [u8]> {
    let rest = line.strip_prefix(name)?;
    if rest.is_empty() {
        return Some(rest);
    }
    let value = rest.strip_prefix(b":")?;
    Some(value.strip_prefix(b" ").unwrap_or(value))
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;
