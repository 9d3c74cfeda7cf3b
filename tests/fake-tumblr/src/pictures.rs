//! Small images that a browser can decode, unlike the generated bodies of
//! `media` and `images`: a PNG of one colour, stored without compression,
//! and a GIF of one colour. Tests serve them through `Config::media_files`
//! where a browser must draw the archived files.

use crate::images::push_png_chunk;
use crate::media::MediaBody;

/// Builds a `width` by `height` PNG filled with `rgb`: 8-bit truecolour,
/// the pixel data in stored (uncompressed) deflate blocks.
pub fn solid_png(width: u32, height: u32, rgb: [u8; 3]) -> MediaBody {
    // Each row starts with its filter type, 0 (None).
    let mut row = vec![0u8];
    for _ in 0..width {
        row.extend_from_slice(&rgb);
    }
    let raw = row.repeat(height as usize);
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);

    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    push_png_chunk(&mut bytes, b"IHDR", &header);
    push_png_chunk(&mut bytes, b"IDAT", &zlib_stored(&raw));
    push_png_chunk(&mut bytes, b"IEND", &[]);
    MediaBody {
        content_type: "image/png",
        bytes,
    }
}

/// Wraps `data` in a zlib stream of stored deflate blocks (RFC 1950, 1951).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (index, block) in blocks.iter().enumerate() {
        let is_last = index + 1 == blocks.len();
        out.push(u8::from(is_last));
        let length = u16::try_from(block.len()).expect("a stored block is at most 65,535 bytes");
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&(!length).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// Builds a `width` by `height` GIF of one colour `rgb`. The LZW data
/// sends a clear code before every two pixels, so every code stays 3 bits
/// wide (minimum code size 2: clear is 4, end is 5).
pub fn solid_gif(width: u16, height: u16, rgb: [u8; 3]) -> MediaBody {
    let mut bytes = b"GIF89a".to_vec();
    bytes.extend_from_slice(&width.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    // Global colour table of 2 entries, background 0, no aspect ratio.
    bytes.extend_from_slice(&[0x80, 0, 0]);
    bytes.extend_from_slice(&rgb);
    bytes.extend_from_slice(&[0, 0, 0]);
    bytes.push(0x2C);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(&width.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    bytes.push(0);
    bytes.push(2);

    let pixels = usize::from(width) * usize::from(height);
    let mut codes = Vec::with_capacity(pixels * 3 / 2 + 2);
    for pixel in 0..pixels {
        if pixel % 2 == 0 {
            codes.push(4);
        }
        codes.push(0);
    }
    codes.push(5);
    let data = pack_codes(&codes, 3);
    for block in data.chunks(255) {
        bytes.push(u8::try_from(block.len()).expect("a sub-block is at most 255 bytes"));
        bytes.extend_from_slice(block);
    }
    bytes.push(0);
    bytes.push(0x3B);
    MediaBody {
        content_type: "image/gif",
        bytes,
    }
}

/// Packs codes of `width` bits each, least significant bit first.
fn pack_codes(codes: &[u16], width: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut buffer, mut filled) = (0u32, 0u32);
    for &code in codes {
        buffer |= u32::from(code) << filled;
        filled += width;
        while filled >= 8 {
            out.push((buffer & 0xFF) as u8);
            buffer >>= 8;
            filled -= 8;
        }
    }
    if filled > 0 {
        out.push((buffer & 0xFF) as u8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_of_known_text() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn solid_png_header_states_size() {
        let image = solid_png(3, 2, [1, 2, 3]);
        assert!(image.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&image.bytes[16..24], &[0, 0, 0, 3, 0, 0, 0, 2]);
        assert!(
            image.bytes.ends_with(b"IEND\xaeB`\x82"),
            "IEND with its CRC"
        );
    }

    #[test]
    fn solid_gif_header_states_size() {
        let image = solid_gif(5, 4, [1, 2, 3]);
        assert!(image.bytes.starts_with(b"GIF89a\x05\x00\x04\x00"));
        assert_eq!(image.bytes.last(), Some(&0x3B), "trailer");
    }
}
