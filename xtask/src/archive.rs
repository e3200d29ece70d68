//! Just enough of PNG and ZIP to write the marketplace logos and the Zendesk app package without
//! a dependency: both formats are written uncompressed (zlib "stored" blocks, zip method 0),
//! which every reader accepts. A zip reader for the same subset (test-only) lets the tests open
//! the package.

/// CRC-32 (IEEE 802.3, reflected, as used by both PNG and ZIP).
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32_update(0, bytes)
}

fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut crc = !crc;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// Encodes 8-bit RGBA pixels (row-major, `width * height * 4` bytes) as a PNG file.
pub fn png_rgba(width: u32, height: u32, rgba: &[u8]) -> Vec<u8> {
    assert_eq!(
        rgba.len(),
        width as usize * height as usize * 4,
        "pixel buffer size"
    );
    let mut raw = Vec::with_capacity(rgba.len() + height as usize);
    for row in rgba.chunks(width as usize * 4) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8 bits, RGBA, deflate, no filter, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"IDAT", zlib_stored(&raw)),
        (b"IEND", Vec::new()),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        let crc = crc32_update(crc32(kind), &data);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

#[cfg(test)]
/// Width and height from a PNG's IHDR chunk, or `None` if `bytes` is not a PNG.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..8)? != b"\x89PNG\r\n\x1a\n" || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

/// Writes a zip archive with every entry stored (method 0). Entry names use `/` separators;
/// timestamps are fixed at 1980-01-01 so that the same inputs give the same bytes.
pub fn zip_stored(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    const DOS_TIME: u16 = 0;
    const DOS_DATE: u16 = (1 << 5) | 1; // 1980-01-01
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let mut common = Vec::new();
        common.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
        common.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: names are UTF-8
        common.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        common.extend_from_slice(&DOS_TIME.to_le_bytes());
        common.extend_from_slice(&DOS_DATE.to_le_bytes());
        common.extend_from_slice(&crc.to_le_bytes());
        common.extend_from_slice(&size.to_le_bytes()); // compressed size
        common.extend_from_slice(&size.to_le_bytes()); // uncompressed size
        common.extend_from_slice(&(name.len() as u16).to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes()); // extra field length

        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&0x031Eu16.to_le_bytes()); // made by: Unix, 3.0
        central.extend_from_slice(&common);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk number
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&(0o100644u32 << 16).to_le_bytes()); // external: -rw-r--r--
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]); // this disk, disk with central directory
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

#[cfg(test)]
/// Reads a zip archive of stored entries through its central directory, checking each CRC.
pub fn unzip_stored(zip: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let u16_at = |at: usize| -> Result<usize, String> {
        let b = zip.get(at..at + 2).ok_or("zip truncated")?;
        Ok(u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u32_at = |at: usize| -> Result<u32, String> {
        let b = zip.get(at..at + 4).ok_or("zip truncated")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let eocd = (0..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| zip[i..].starts_with(&[0x50, 0x4b, 5, 6]))
        .ok_or("no end of central directory record: not a zip file")?;
    let count = u16_at(eocd + 10)?;
    let mut at = u32_at(eocd + 16)? as usize;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(at)? != 0x0201_4b50 {
            return Err(format!("bad central directory header at byte {at}"));
        }
        let method = u16_at(at + 10)?;
        let crc = u32_at(at + 16)?;
        let size = u32_at(at + 20)? as usize;
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28)?, u16_at(at + 30)?, u16_at(at + 32)?);
        let local = u32_at(at + 42)? as usize;
        let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec())
            .map_err(|_| format!("entry name at byte {at} is not UTF-8"))?;
        if method != 0 {
            return Err(format!(
                "{name}: compression method {method}; only stored entries are read"
            ));
        }
        let data_at = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
        let data = zip
            .get(data_at..data_at + size)
            .ok_or(format!("{name}: data truncated"))?
            .to_vec();
        if crc32(&data) != crc {
            return Err(format!("{name}: CRC mismatch"));
        }
        entries.push((name, data));
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_and_adler32_match_published_check_values() {
        // The "check" values of the CRC catalogue and of RFC 1950's Adler-32 for "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"123456789"), 0x091E_01DE);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn zlib_stored_splits_long_input_into_blocks() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        // header, two blocks with 5-byte headers, adler
        assert_eq!(z.len(), 2 + 5 + 65535 + 5 + (70_000 - 65535) + 4);
        assert_eq!(z[2], 0, "first block is not final");
        assert_eq!(z[2 + 5 + 65535], 1, "second block is final");
    }

    #[test]
    fn png_header_records_its_size() {
        let png = png_rgba(3, 2, &[255; 3 * 2 * 4]);
        assert_eq!(png_size(&png), Some((3, 2)));
        assert_eq!(png_size(b"GIF89a...................."), None);
    }

    #[test]
    fn zip_round_trips_names_and_bytes() {
        let entries = vec![
            ("manifest.json".to_string(), b"{}".to_vec()),
            ("assets/ключ.txt".to_string(), vec![0, 1, 2, 255]),
            ("empty".to_string(), Vec::new()),
        ];
        let zip = zip_stored(&entries);
        assert_eq!(unzip_stored(&zip).unwrap(), entries);
    }

    #[test]
    fn unzip_detects_corruption() {
        let mut zip = zip_stored(&[("a.txt".to_string(), b"hello".to_vec())]);
        let at = zip.windows(5).position(|w| w == b"hello").unwrap();
        zip[at] = b'j';
        assert_eq!(unzip_stored(&zip).unwrap_err(), "a.txt: CRC mismatch");
        assert!(unzip_stored(b"not a zip at all, just some words").is_err());
    }
}
