//! The marketplace logos, drawn in code so that no binary art has to be trusted or licensed:
//! a blue rounded square holding a white paper plane, with a white sidebar stripe on the right.
//! `cargo xtask package` writes it as `assets/logo.png` (320×320) and `assets/logo-small.png`
//! (128×128); `cargo xtask build` puts both in `dist/plugin/` too.

use crate::archive::png_rgba;

/// The logo files Zendesk requires in `assets/`, with their pixel sizes.
pub const LOGOS: [(&str, u32); 2] = [("logo.png", 320), ("logo-small.png", 128)];

const BLUE: [f32; 3] = [0x22 as f32, 0x9E as f32, 0xD9 as f32];
const WHITE: [f32; 3] = [255.0, 255.0, 255.0];
const FOLD: [f32; 3] = [0xC8 as f32, 0xDA as f32, 0xEA as f32];

/// The logo as a PNG file, `size` pixels square.
pub fn png(size: u32) -> Vec<u8> {
    const SAMPLES: u32 = 4; // 4×4 supersampling for smooth edges
    let mut rgba = Vec::with_capacity((size * size * 4) as usize);
    for y in 0..size {
        for x in 0..size {
            let mut acc = [0.0f32; 4];
            for sy in 0..SAMPLES {
                for sx in 0..SAMPLES {
                    let u = (x as f32 + (sx as f32 + 0.5) / SAMPLES as f32) / size as f32;
                    let v = (y as f32 + (sy as f32 + 0.5) / SAMPLES as f32) / size as f32;
                    if let Some(rgb) = shade(u, v) {
                        acc[0] += rgb[0];
                        acc[1] += rgb[1];
                        acc[2] += rgb[2];
                        acc[3] += 1.0;
                    }
                }
            }
            let n = (SAMPLES * SAMPLES) as f32;
            if acc[3] == 0.0 {
                rgba.extend_from_slice(&[0, 0, 0, 0]);
            } else {
                // Colour averaged over covered samples; alpha is the coverage.
                rgba.extend(acc[..3].iter().map(|c| (c / acc[3]).round() as u8));
                rgba.push((acc[3] / n * 255.0).round() as u8);
            }
        }
    }
    png_rgba(size, size, &rgba)
}

/// The colour at unit coordinates `(u, v)`, or `None` outside the rounded square.
fn shade(u: f32, v: f32) -> Option<[f32; 3]> {
    if !in_rounded_square(u, v, 0.04, 0.2) {
        return None;
    }
    let plane = [(0.17, 0.50), (0.72, 0.27), (0.62, 0.75), (0.45, 0.62)];
    let fold = [(0.45, 0.62), (0.72, 0.27), (0.42, 0.74)];
    let stripe = (0.80..=0.86).contains(&u) && (0.22..=0.78).contains(&v);
    Some(if in_polygon(u, v, &fold) {
        FOLD
    } else if in_polygon(u, v, &plane) || stripe {
        WHITE
    } else {
        BLUE
    })
}

fn in_rounded_square(u: f32, v: f32, margin: f32, radius: f32) -> bool {
    let (lo, hi) = (margin, 1.0 - margin);
    if !(lo..=hi).contains(&u) || !(lo..=hi).contains(&v) {
        return false;
    }
    let cx = u.clamp(lo + radius, hi - radius);
    let cy = v.clamp(lo + radius, hi - radius);
    (u - cx).powi(2) + (v - cy).powi(2) <= radius * radius
}

/// Even-odd rule point-in-polygon test.
fn in_polygon(u: f32, v: f32, points: &[(f32, f32)]) -> bool {
    let mut inside = false;
    let mut j = points.len() - 1;
    for i in 0..points.len() {
        let ((xi, yi), (xj, yj)) = (points[i], points[j]);
        if (yi > v) != (yj > v) && u < (xj - xi) * (v - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::png_size;

    #[test]
    fn logos_have_the_sizes_zendesk_requires() {
        for (name, size) in LOGOS {
            assert_eq!(png_size(&png(size)), Some((size, size)), "{name}");
        }
    }

    #[test]
    fn corners_are_transparent_and_centre_is_painted() {
        assert_eq!(shade(0.01, 0.01), None);
        assert_eq!(shade(0.5, 0.1), Some(BLUE));
        assert_eq!(shade(0.5, 0.45), Some(WHITE));
        assert_eq!(shade(0.83, 0.5), Some(WHITE));
    }
}
