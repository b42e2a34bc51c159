package event

import "time"

// Now returns the current time as a timestamp string for [New], in the
// format of [FormatTime]. Dispatch sites use it rather than formatting
// times themselves, so every event's ts has the same shape.
func Now() string { return FormatTime(time.Now()) }

// FormatTime returns t, converted to UTC, as an RFC 3339 timestamp in the
// exact form the reference implementation writes (chrono's to_rfc3339 of
// a UTC time):
//
//	2026-05-29T00:00:00+00:00
//	2026-05-29T00:00:00.250+00:00
//	2026-05-29T00:00:00.000001+00:00
//	2026-05-29T00:00:00.123456789+00:00
//
// The offset is always "+00:00", never "Z". The fraction of a second is
// absent when it is zero, and otherwise has the fewest of 3, 6 or 9 digits
// that hold it exactly. A year outside 0000 to 9999 is written with its
// sign and at least four digits ("+10000", "-0001").
func FormatTime(t time.Time) string {
	var buf [40]byte
	return string(AppendTime(buf[:0], t))
}

// AppendTime appends t formatted as by [FormatTime] to dst and returns the
// extended buffer. It does not allocate when dst has room.
func AppendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	nsec := t.Nanosecond()

	if year >= 0 && year <= 9999 {
		dst = appendDigits(dst, uint64(year), 4)
	} else {
		// Rust's {:+05}: an explicit sign, zero-padded to width 5 with it.
		u := uint64(year)
		if year < 0 {
			dst = append(dst, '-')
			u = uint64(-int64(year))
		} else {
			dst = append(dst, '+')
		}
		dst = appendDigits(dst, u, 4)
	}
	dst = append(dst, '-')
	dst = appendDigits(dst, uint64(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, uint64(day), 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, uint64(hour), 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, uint64(minute), 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, uint64(sec), 2)
	switch {
	case nsec == 0:
	case nsec%1_000_000 == 0:
		dst = append(dst, '.')
		dst = appendDigits(dst, uint64(nsec/1_000_000), 3)
	case nsec%1_000 == 0:
		dst = append(dst, '.')
		dst = appendDigits(dst, uint64(nsec/1_000), 6)
	default:
		dst = append(dst, '.')
		dst = appendDigits(dst, uint64(nsec), 9)
	}
	return append(dst, "+00:00"...)
}

// appendDigits appends u in decimal, zero-padded to at least width digits.
func appendDigits(dst []byte, u uint64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for u >= 10 || width > 1 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		width--
	}
	i--
	buf[i] = byte('0' + u)
	return append(dst, buf[i:]...)
}
