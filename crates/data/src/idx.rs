//! The IDX format of the MNIST files: a big-endian header (two zero bytes, a type
//! code, the number of dimensions, then one u32 per dimension) followed by the data.
//! Files may be gzip-compressed; they are recognised by their content, not their name.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::DataError;

/// The IDX type code for unsigned bytes, the only one MNIST uses.
const UBYTE: u8 = 0x08;
/// No IDX file of MNIST (or of a data set in its format) comes near this size
/// uncompressed; the limit stops a corrupt or hostile gzip stream from filling memory.
const MAX_UNCOMPRESSED: u64 = 1 << 30;

/// An IDX array of unsigned bytes: its dimensions and its data, in row-major order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Reads a whole file, decompressing it when it starts with the gzip magic bytes.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..])
            .take(MAX_UNCOMPRESSED + 1)
            .read_to_end(&mut out)
            .map_err(|e| DataError::format(path, format!("corrupt gzip stream: {e}")))?;
        if out.len() as u64 > MAX_UNCOMPRESSED {
            return Err(DataError::format(
                path,
                "decompresses to more than 1 GiB; refusing to read it",
            ));
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses IDX bytes. `path` only names the file in errors. `expected_rank` is the
/// number of dimensions the caller needs (1 for labels, 3 for images).
///
/// The header's counts are checked against the length of the data before anything
/// is allocated from them.
pub fn parse(bytes: &[u8], expected_rank: u8, path: &Path) -> Result<IdxArray, DataError> {
    if bytes.len() < 4 {
        return Err(DataError::format(
            path,
            format!(
                "{} bytes is too short for the 4-byte magic number",
                bytes.len()
            ),
        ));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let expected_magic = u32::from(UBYTE) << 8 | u32::from(expected_rank);
    if magic != expected_magic {
        return Err(DataError::format(
            path,
            format!(
                "magic number is 0x{magic:08x}, expected 0x{expected_magic:08x} ({} of unsigned bytes)",
                if expected_rank == 1 {
                    "labels: rank 1"
                } else {
                    "images: rank 3"
                }
            ),
        ));
    }
    let rank = usize::from(expected_rank);
    let header_len = 4 + 4 * rank;
    if bytes.len() < header_len {
        return Err(DataError::format(
            path,
            format!(
                "truncated header: {} bytes, the header alone needs {header_len}",
                bytes.len()
            ),
        ));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|d| {
            let at = 4 + 4 * d;
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
        })
        .collect();
    let expected_len = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| DataError::format(path, format!("dimensions {dims:?} overflow")))?;
    let payload = &bytes[header_len..];
    if payload.len() != expected_len {
        return Err(DataError::format(
            path,
            format!(
                "header announces dimensions {dims:?} = {expected_len} bytes of data, but the file holds {} ({})",
                payload.len(),
                if payload.len() < expected_len {
                    "truncated"
                } else {
                    "trailing bytes"
                }
            ),
        ));
    }
    Ok(IdxArray {
        dims,
        data: payload.to_vec(),
    })
}

/// Reads and parses one IDX file, raw or gzip.
pub fn read(path: &Path, expected_rank: u8) -> Result<IdxArray, DataError> {
    parse(&read_bytes(path)?, expected_rank, path)
}

/// Encodes an IDX array of unsigned bytes (used by tests and tools that write small files).
pub fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, UBYTE, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("x.idx")
    }

    #[test]
    fn round_trips_images_and_labels() {
        let images = encode(&[2, 28, 28], &[7u8; 2 * 784]);
        let parsed = parse(&images, 3, p()).unwrap();
        assert_eq!(parsed.dims, vec![2, 28, 28]);
        assert_eq!(parsed.data.len(), 2 * 784);
        let labels = parse(&encode(&[3], &[1, 2, 3]), 1, p()).unwrap();
        assert_eq!(labels.data, vec![1, 2, 3]);
    }

    #[test]
    fn rejects_wrong_magic_and_rank() {
        let labels = encode(&[3], &[1, 2, 3]);
        let err = parse(&labels, 3, p()).unwrap_err().to_string();
        assert!(err.contains("magic number is 0x00000801"), "{err}");
        let mut bad = encode(&[3], &[1, 2, 3]);
        bad[2] = 0x0D; // float type code
        let err = parse(&bad, 1, p()).unwrap_err().to_string();
        assert!(err.contains("x.idx") && err.contains("magic"), "{err}");
    }

    #[test]
    fn rejects_truncated_and_trailing_data() {
        let mut images = encode(&[2, 28, 28], &[0u8; 2 * 784]);
        images.pop();
        let err = parse(&images, 3, p()).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        images.extend_from_slice(&[0, 0]);
        let err = parse(&images, 3, p()).unwrap_err().to_string();
        assert!(err.contains("trailing"), "{err}");
        let err = parse(&[0, 0, 8], 3, p()).unwrap_err().to_string();
        assert!(err.contains("too short"), "{err}");
        let err = parse(&[0, 0, 8, 3, 0, 0], 3, p()).unwrap_err().to_string();
        assert!(err.contains("truncated header"), "{err}");
    }

    #[test]
    fn huge_header_counts_do_not_allocate() {
        // 4 billion images announced, 10 bytes present: must fail fast, not allocate.
        let bytes = encode(&[u32::MAX as usize, 28, 28], &[0u8; 10]);
        let err = parse(&bytes, 3, p()).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn reads_gzip_by_content() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels"); // no .gz suffix on purpose
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&encode(&[2], &[4, 5])).unwrap();
        std::fs::write(&path, enc.finish().unwrap()).unwrap();
        assert_eq!(read(&path, 1).unwrap().data, vec![4, 5]);

        let corrupt = dir.path().join("corrupt.gz");
        std::fs::write(&corrupt, [0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap();
        let err = read(&corrupt, 1).unwrap_err().to_string();
        assert!(err.contains("corrupt.gz") && err.contains("gzip"), "{err}");
    }
}
