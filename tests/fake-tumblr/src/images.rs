//! Image bodies whose headers state a pixel size: a JPEG with a baseline
//! start-of-frame (SOF0) segment, a PNG with its IHDR chunk, and an
//! animated WebP with a VP8X chunk, as Tumblr serves `.gifv`. A client that
//! reads the size from the first bytes gets the configured width and
//! height. The rest of each file is filler derived from a seed, so no
//! decoder can draw these images, but two seeds never give the same bytes.

use sha2::{Digest, Sha256};

use crate::media::MediaBody;

/// Smallest number of filler bytes in a body.
const MIN_FILLER_LEN: usize = 2048;

/// Largest value a WebP VP8X chunk can state for a width or height.
pub const MAX_WEBP_SIDE: u32 = 1 << 24;

/// Builds a JPEG whose SOF0 segment states `width` by `height` pixels: SOI,
/// a JFIF APP0 segment, SOF0 with three components, the filler in comment
/// (COM) segments, then EOI.
pub fn jpeg_image(width: u16, height: u16, seed: &str) -> MediaBody {
    let mut bytes = vec![0xFF, 0xD8];
    // APP0: length 16, "JFIF\0", version 1.1, no density units, 1:1 density,
    // no thumbnail.
    bytes.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x01, 0x00, 0x00,
    ]);
    // SOF0: length 17, 8-bit samples, height, width, then three components
    // (id, sampling factors, quantization table).
    bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    // A segment length counts its own two bytes, so one COM segment contains
    // at most 65,533 data bytes.
    for chunk in filler(seed).chunks(65_533) {
        let length = u16::try_from(chunk.len() + 2).expect("a COM segment fits in 16 bits");
        bytes.extend_from_slice(&[0xFF, 0xFE]);
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(chunk);
    }
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    MediaBody {
        content_type: "image/jpeg",
        bytes,
    }
}

/// Builds a PNG whose IHDR chunk states `width` by `height` pixels, 8-bit
/// truecolour: the signature, IHDR, the filler in a private ancillary
/// chunk `fiLl`, then IEND, each chunk with its CRC-32.
pub fn png_image(width: u32, height: u32, seed: &str) -> MediaBody {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 2 (truecolour), then the only defined
    // compression, filter and interlace methods.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    push_png_chunk(&mut bytes, b"IHDR", &header);
    push_png_chunk(&mut bytes, b"fiLl", &filler(seed));
    push_png_chunk(&mut bytes, b"IEND", &[]);
    MediaBody {
        content_type: "image/png",
        bytes,
    }
}

pub(crate) fn push_png_chunk(bytes: &mut Vec<u8>, chunk_type: &[u8; 4], data: &[u8]) {
    let length = u32::try_from(data.len()).expect("a PNG chunk fits in 32 bits");
    bytes.extend_from_slice(&length.to_be_bytes());
    let start = bytes.len();
    bytes.extend_from_slice(chunk_type);
    bytes.extend_from_slice(data);
    let checksum = crc32(&bytes[start..]);
    bytes.extend_from_slice(&checksum.to_be_bytes());
}

/// Returns the CRC-32 of `data` with the polynomial of PNG, zlib and
/// Ethernet (0xEDB88320 in reflected form).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Builds an animated WebP whose VP8X chunk states `width` by `height`
/// pixels: the RIFF header, VP8X with the animation flag, ANIM, and the
/// filler in a chunk `FILL`. It has no ANMF frame chunks.
///
/// # Panics
///
/// Panics when `width` or `height` is 0 or above `MAX_WEBP_SIDE`, which
/// VP8X cannot state.
pub fn webp_image(width: u32, height: u32, seed: &str) -> MediaBody {
    for (name, side) in [("width", width), ("height", height)] {
        assert!(
            (1..=MAX_WEBP_SIDE).contains(&side),
            "a WebP {name} must be 1 to {MAX_WEBP_SIDE}, got {side}"
        );
    }
    let mut chunks = Vec::new();
    let mut vp8x = vec![0x02, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    push_riff_chunk(&mut chunks, b"VP8X", &vp8x);
    // Background colour 0 (BGRA), loop count 0 (forever).
    push_riff_chunk(&mut chunks, b"ANIM", &[0, 0, 0, 0, 0, 0]);
    push_riff_chunk(&mut chunks, b"FILL", &filler(seed));

    // The RIFF size counts every byte after the size field itself.
    let riff_size = u32::try_from(chunks.len() + 4).expect("a WebP file fits in 32 bits");
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&riff_size.to_le_bytes());
    bytes.extend_from_slice(b"WEBP");
    bytes.extend_from_slice(&chunks);
    MediaBody {
        content_type: "image/webp",
        bytes,
    }
}

/// Appends a RIFF chunk, padded to an even length as RIFF requires.
fn push_riff_chunk(bytes: &mut Vec<u8>, fourcc: &[u8; 4], data: &[u8]) {
    let length = u32::try_from(data.len()).expect("a RIFF chunk fits in 32 bits");
    bytes.extend_from_slice(fourcc);
    bytes.extend_from_slice(&length.to_le_bytes());
    bytes.extend_from_slice(data);
    if data.len() % 2 == 1 {
        bytes.push(0);
    }
}

/// Returns the filler of `seed`: `MIN_FILLER_LEN` to twice that many bytes
/// of chained SHA-256 output.
fn filler(seed: &str) -> Vec<u8> {
    let digest = Sha256::digest(format!("fake-tumblr image {seed}").as_bytes());
    let extra = usize::from(u16::from_le_bytes([digest[0], digest[1]])) % MIN_FILLER_LEN;
    let len = MIN_FILLER_LEN + extra;
    let mut bytes = Vec::with_capacity(len + 32);
    let mut block = digest;
    while bytes.len() < len {
        block = Sha256::digest(block);
        bytes.extend_from_slice(&block);
    }
    bytes.truncate(len);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the size from a JPEG's first start-of-frame segment.
    fn jpeg_size(bytes: &[u8]) -> Option<(u16, u16)> {
        let mut position = 2;
        while position + 9 < bytes.len() {
            let marker = bytes[position + 1];
            let length = usize::from(u16::from_be_bytes([
                bytes[position + 2],
                bytes[position + 3],
            ]));
            if marker == 0xC0 {
                let height = u16::from_be_bytes([bytes[position + 5], bytes[position + 6]]);
                let width = u16::from_be_bytes([bytes[position + 7], bytes[position + 8]]);
                return Some((width, height));
            }
            position += 2 + length;
        }
        None
    }

    #[test]
    fn jpeg_image_states_size() {
        let body = jpeg_image(1280, 960, "a");
        assert_eq!(body.content_type, "image/jpeg", "content type");
        assert!(
            body.bytes.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]),
            "SOI then APP0"
        );
        assert!(body.bytes.ends_with(&[0xFF, 0xD9]), "ends with EOI");
        assert_eq!(jpeg_size(&body.bytes), Some((1280, 960)), "SOF0 size");
    }

    #[test]
    fn jpeg_image_segments_chain() {
        let body = jpeg_image(10, 20, "segments");
        let mut position = 2;
        let mut markers = Vec::new();
        while position < body.bytes.len() - 2 {
            assert_eq!(
                body.bytes[position], 0xFF,
                "segment at {position} starts with 0xFF"
            );
            markers.push(body.bytes[position + 1]);
            let length = usize::from(u16::from_be_bytes([
                body.bytes[position + 2],
                body.bytes[position + 3],
            ]));
            position += 2 + length;
        }
        assert_eq!(
            position,
            body.bytes.len() - 2,
            "segments end right before EOI"
        );
        assert_eq!(&markers[..2], &[0xE0, 0xC0], "APP0 then SOF0");
        assert!(
            markers[2..].iter().all(|&marker| marker == 0xFE),
            "the rest are COM segments: {markers:x?}"
        );
    }

    #[test]
    fn png_image_states_size() {
        let body = png_image(640, 480, "b");
        assert_eq!(body.content_type, "image/png", "content type");
        assert!(body.bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "signature");
        assert_eq!(&body.bytes[12..16], b"IHDR", "first chunk is IHDR");
        assert_eq!(&body.bytes[16..20], &640u32.to_be_bytes(), "IHDR width");
        assert_eq!(&body.bytes[20..24], &480u32.to_be_bytes(), "IHDR height");
        assert!(
            body.bytes
                .ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]),
            "ends with the standard IEND chunk"
        );
    }

    #[test]
    fn png_image_ihdr_crc() {
        let body = png_image(1, 1, "c");
        // The CRC covers the chunk type and data: bytes 12 to 29.
        let stored = u32::from_be_bytes([
            body.bytes[29],
            body.bytes[30],
            body.bytes[31],
            body.bytes[32],
        ]);
        assert_eq!(stored, crc32(&body.bytes[12..29]), "IHDR CRC");
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926, "CRC-32 check value");
    }

    #[test]
    fn webp_image_states_size() {
        let body = webp_image(400, 300, "d");
        let bytes = &body.bytes;
        assert_eq!(body.content_type, "image/webp", "content type");
        assert_eq!(&bytes[0..4], b"RIFF", "RIFF magic");
        assert_eq!(&bytes[8..16], b"WEBPVP8X", "WebP form with VP8X first");
        let riff_size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        assert_eq!(riff_size as usize, bytes.len() - 8, "RIFF size field");
        assert_eq!(bytes[20] & 0x02, 0x02, "animation flag");
        let le24 = |at: usize| {
            u32::from(bytes[at]) | u32::from(bytes[at + 1]) << 8 | u32::from(bytes[at + 2]) << 16
        };
        assert_eq!(le24(24) + 1, 400, "canvas width");
        assert_eq!(le24(27) + 1, 300, "canvas height");
        assert_eq!(&bytes[30..34], b"ANIM", "ANIM follows VP8X");
        assert_eq!(bytes.len() % 2, 0, "chunks are padded to even lengths");
    }

    #[test]
    #[should_panic(expected = "a WebP width must be 1 to")]
    fn webp_image_zero_width() {
        webp_image(0, 10, "e");
    }

    #[test]
    fn image_seeds_differ() {
        assert_eq!(
            jpeg_image(5, 5, "same").bytes,
            jpeg_image(5, 5, "same").bytes,
            "one seed gives one body"
        );
        assert_ne!(
            jpeg_image(5, 5, "one").bytes,
            jpeg_image(5, 5, "two").bytes,
            "two seeds give two bodies"
        );
        let len = filler("x").len();
        assert!(
            len >= MIN_FILLER_LEN,
            "filler length {len} at least the minimum"
        );
        assert!(
            len < 2 * MIN_FILLER_LEN,
            "filler length {len} below twice the minimum"
        );
    }
}
