//! Avro binary encoding primitives over a byte slice: zig-zag varints, length-prefixed bytes and
//! strings, floats. Every read is bounds-checked; nothing panics on hostile input.

use crate::error::{DecodeError, Part};

/// A read position in one Avro datum.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    part: Part,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], part: Part) -> Self {
        Cursor { buf, pos: 0, part }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn truncated(&self) -> DecodeError {
        DecodeError::Truncated { part: self.part }
    }

    pub(crate) fn invalid(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::InvalidAvro { part: self.part, reason: reason.into() }
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.truncated());
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// A zig-zag encoded variable-length `long` (at most 10 bytes).
    pub(crate) fn long(&mut self) -> Result<i64, DecodeError> {
        let mut raw: u64 = 0;
        for shift in (0..70).step_by(7) {
            let byte = *self.buf.get(self.pos).ok_or_else(|| self.truncated())?;
            self.pos += 1;
            raw |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok((raw >> 1) as i64 ^ -((raw & 1) as i64));
            }
        }
        Err(self.invalid("varint longer than 10 bytes"))
    }

    /// An `int`: a `long` that must fit 32 bits.
    pub(crate) fn int(&mut self) -> Result<i32, DecodeError> {
        let v = self.long()?;
        i32::try_from(v).map_err(|_| self.invalid(format!("int out of range: {v}")))
    }

    /// A length prefix (`long`, non-negative, not beyond the end of the datum).
    pub(crate) fn len(&mut self) -> Result<usize, DecodeError> {
        let n = self.long()?;
        let n = usize::try_from(n).map_err(|_| self.invalid(format!("negative length {n}")))?;
        if n > self.remaining() {
            return Err(self.truncated());
        }
        Ok(n)
    }

    pub(crate) fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.invalid(format!("boolean byte {b:#04x}"))),
        }
    }

    pub(crate) fn float(&mut self) -> Result<f32, DecodeError> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn double(&mut self) -> Result<f64, DecodeError> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.len()?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, DecodeError> {
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|e| self.invalid(format!("string is not UTF-8: {e}")))
    }

    /// An array/map block header: `Some((items, byte_size))`, or `None` at the end marker. A
    /// negative count announces the block's size in bytes.
    pub(crate) fn block(&mut self) -> Result<Option<(u64, Option<usize>)>, DecodeError> {
        let count = self.long()?;
        if count == 0 {
            return Ok(None);
        }
        if count > 0 {
            return Ok(Some((count.unsigned_abs(), None)));
        }
        let size = self.len()?;
        Ok(Some((count.unsigned_abs(), Some(size))))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cur(b: &[u8]) -> Cursor<'_> {
        Cursor::new(b, Part::Value)
    }

    #[test]
    fn zigzag_varints() {
        assert_eq!(cur(&[0x00]).long().unwrap(), 0);
        assert_eq!(cur(&[0x01]).long().unwrap(), -1);
        assert_eq!(cur(&[0x02]).long().unwrap(), 1);
        assert_eq!(cur(&[0x80, 0x01]).long().unwrap(), 64);
        assert_eq!(cur(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).long().unwrap(), i64::MIN);
        assert_eq!(cur(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).long().unwrap(), i64::MAX);
        assert!(matches!(cur(&[0x80; 11]).long(), Err(DecodeError::InvalidAvro { .. })));
        assert_eq!(cur(&[0x80]).long(), Err(DecodeError::Truncated { part: Part::Value }));
        assert!(cur(&[0xfe, 0xff, 0xff, 0xff, 0x1f]).int().is_err());
    }

    #[test]
    fn lengths_are_checked() {
        assert_eq!(cur(&[0x06, b'a', b'b', b'c']).str().unwrap(), "abc");
        assert_eq!(cur(&[0x08, b'a']).str(), Err(DecodeError::Truncated { part: Part::Value }));
        assert!(matches!(cur(&[0x01]).bytes(), Err(DecodeError::InvalidAvro { .. })));
        assert!(matches!(cur(&[0x02, 0xff]).str(), Err(DecodeError::InvalidAvro { .. })));
        assert!(matches!(cur(&[0x02]).bool(), Err(DecodeError::InvalidAvro { .. })));
    }
}
