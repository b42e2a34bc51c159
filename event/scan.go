package event

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the JSON scanner under the decoder of decode.go. It
// reads the input in place, checks the syntax of everything it reads
// (including the values of unknown keys, which it skips without recursion),
// and reports errors as *DecodeError with the path of the value at fault.

// A decoder reads JSON from data. It checks the syntax of everything it
// reads, including the values of unknown keys that it skips.
type decoder struct {
	data        []byte
	pos         int
	scratch     []byte // unescaped strings
	skipScratch []byte // unescaped strings that skipValue checks
}

// A path locates a value in the input, for error messages. Paths are built
// on the stack as the decoder descends and rendered only for an error.
type path struct {
	parent *path
	name   string // the value's key in its parent object; "" for an array element
	index  int    // the value's index in its parent array, when name is ""
}

func (p *path) String() string {
	if p == nil {
		return ""
	}
	return string(p.append(nil))
}

func (p *path) append(b []byte) []byte {
	if p == nil {
		return b
	}
	b = p.parent.append(b)
	if p.name == "" {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.index), 10)
		return append(b, ']')
	}
	if len(b) > 0 {
		b = append(b, '.')
	}
	return append(b, p.name...)
}

func (d *decoder) fail(p *path, off int, msg string) error {
	return &DecodeError{Field: p.String(), Offset: off, Msg: msg}
}

// syntaxError reports malformed JSON at d.pos.
func (d *decoder) syntaxError(p *path, what string) error {
	if d.pos >= len(d.data) {
		what = "unexpected end of input"
	}
	return d.fail(p, d.pos, "syntax error at offset "+strconv.Itoa(d.pos)+": "+what)
}

// unexpected reports the byte at d.pos as a syntax error.
func (d *decoder) unexpected(p *path, context string) error {
	if d.pos >= len(d.data) {
		return d.syntaxError(p, "")
	}
	return d.syntaxError(p, "invalid character "+quoteByte(d.data[d.pos])+" "+context)
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return `'\x` + string(hexDigits[c>>4]) + string(hexDigits[c&0xF]) + `'`
}

// end checks that only whitespace follows the value just decoded.
func (d *decoder) end() error {
	d.skipWS()
	if d.pos < len(d.data) {
		return d.unexpected(nil, "after top-level value")
	}
	return nil
}

func (d *decoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the byte at d.pos, or 0 at the end of the input.
func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// got names the type of the JSON value at d.pos, for error messages.
func (d *decoder) got() string {
	switch c := d.peek(); {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || '0' <= c && c <= '9':
		return "number"
	}
	return "invalid value"
}

// wrongType reports that the value at d.pos is not of the type want. The
// value is skipped first, so that malformed JSON is reported as such.
func (d *decoder) wrongType(p *path, want string) error {
	off, got := d.pos, d.got()
	if err := d.skip(p); err != nil {
		return err
	}
	return d.fail(p, off, "want "+want+", got "+got)
}

// literal consumes the literal lit ("true", "false" or "null") at d.pos.
func (d *decoder) literal(p *path, lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		for i := 0; i < len(lit) && d.pos < len(d.data) && d.data[d.pos] == lit[i]; i++ {
			d.pos++
		}
		return d.unexpected(p, "in literal "+lit)
	}
	d.pos += len(lit)
	return nil
}

// null consumes a null at d.pos and reports whether there was one.
func (d *decoder) null(p *path) (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	return true, d.literal(p, "null")
}

// Objects and arrays.

// openObject consumes the '{' that must be at d.pos.
func (d *decoder) openObject(p *path) error {
	if d.peek() != '{' {
		return d.wrongType(p, "object")
	}
	d.pos++
	return nil
}

// nextKey reads up to the value of the next member of the object being
// read: the ',' before it unless first, its key and the ':' after it. It
// returns the key, unescaped (it may alias d.scratch), and the key's
// offset; ok is false once the closing '}' has been consumed instead.
func (d *decoder) nextKey(p *path, first bool) (key []byte, off int, ok bool, err error) {
	d.skipWS()
	c := d.peek()
	if c == '}' {
		d.pos++
		return nil, 0, false, nil
	}
	if !first {
		if c != ',' {
			return nil, 0, false, d.unexpected(p, "after object member")
		}
		d.pos++
		d.skipWS()
	}
	off = d.pos
	if d.peek() != '"' {
		return nil, 0, false, d.unexpected(p, "looking for object key")
	}
	if key, err = d.stringBytes(p); err != nil {
		return nil, 0, false, err
	}
	d.skipWS()
	if d.peek() != ':' {
		return nil, 0, false, d.unexpected(p, "after object key")
	}
	d.pos++
	d.skipWS()
	return key, off, true, nil
}

// nextElem reads up to the next element of the array being read (the ','
// before it unless first); ok is false once the closing ']' has been
// consumed instead.
func (d *decoder) nextElem(p *path, first bool) (ok bool, err error) {
	d.skipWS()
	c := d.peek()
	if c == ']' {
		d.pos++
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, d.unexpected(p, "after array element")
		}
		d.pos++
		d.skipWS()
	}
	return true, nil
}

// skip consumes the JSON value at d.pos, whatever it is, checking its
// syntax only, as serde_json does for the value of an unknown key. It does
// not recurse, so no nesting depth can exhaust the stack.
func (d *decoder) skip(p *path) error { return d.skipValue(p, 0) }

// maxDepth is serde_json's recursion limit: a value nested this deep in
// the document is an error where serde_json recurses.
const maxDepth = 128

// skipValue consumes the JSON value at d.pos. With level 0 it checks the
// syntax only (see skip). With level > 0 it checks the value as serde
// buffers the members of a tagged object before it knows the tag: besides
// the syntax, strings must be valid UTF-8 without unpaired surrogate
// escapes, and the value must not reach nesting level maxDepth; level is
// the nesting level of the object holding the value (the top-level object
// is level 1).
func (d *decoder) skipValue(p *path, level int) error {
	var stackBuf [32]byte
	stack := stackBuf[:0] // the open containers, '{' or '['
	for {
		// A value.
		d.skipWS()
		switch c := d.peek(); {
		case c == '"':
			if err := d.skipString(p, level); err != nil {
				return err
			}
		case c == '{' || c == '[':
			if level > 0 && level+len(stack)+1 >= maxDepth {
				return d.fail(p, d.pos, "nesting deeper than "+strconv.Itoa(maxDepth-1)+" levels")
			}
			d.pos++
			d.skipWS()
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if d.peek() == closer {
				d.pos++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if err := d.skipKey(p, level); err != nil {
					return err
				}
			}
			continue
		case c == 't':
			if err := d.literal(p, "true"); err != nil {
				return err
			}
		case c == 'f':
			if err := d.literal(p, "false"); err != nil {
				return err
			}
		case c == 'n':
			if err := d.literal(p, "null"); err != nil {
				return err
			}
		case c == '-' || '0' <= c && c <= '9':
			if _, _, err := d.scanNumber(p); err != nil {
				return err
			}
		default:
			return d.unexpected(p, "looking for beginning of value")
		}
		// After a value: close what ends here, then find the next value.
		for {
			if len(stack) == 0 {
				return nil
			}
			d.skipWS()
			c, top := d.peek(), stack[len(stack)-1]
			if c == ',' {
				d.pos++
				if top == '{' {
					d.skipWS()
					if err := d.skipKey(p, level); err != nil {
						return err
					}
				}
				break
			}
			if top == '{' && c == '}' || top == '[' && c == ']' {
				d.pos++
				stack = stack[:len(stack)-1]
				continue
			}
			return d.unexpected(p, "after value")
		}
	}
}

// skipString consumes the string literal at d.pos; see skipValue.
func (d *decoder) skipString(p *path, level int) error {
	if level > 0 {
		// Not into d.scratch, which may hold the key of the member.
		_, err := d.unquote(p, &d.skipScratch)
		return err
	}
	_, _, err := d.scanString(p)
	return err
}

// skipMember skips the value of the member with the key key of the object
// at p, naming the key in an error; level is as for skipValue.
func (d *decoder) skipMember(p *path, key []byte, level int) error {
	err := d.skipValue(p, level)
	if de, ok := err.(*DecodeError); ok {
		de.Field = (&path{parent: p, name: string(key)}).String()
	}
	return err
}

// skipKey consumes an object key and the ':' after it; see skipValue.
func (d *decoder) skipKey(p *path, level int) error {
	if d.peek() != '"' {
		return d.unexpected(p, "looking for object key")
	}
	if err := d.skipString(p, level); err != nil {
		return err
	}
	d.skipWS()
	if d.peek() != ':' {
		return d.unexpected(p, "after object key")
	}
	d.pos++
	return nil
}

// Strings.

// inString[c] reports whether byte c stands for itself inside a string
// literal: anything but '"', '\' and the control characters.
var inString = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString consumes the string literal at d.pos, checking its syntax but
// not its UTF-8, and returns the bytes between the quotes and whether they
// hold escapes.
func (d *decoder) scanString(p *path) (raw []byte, escaped bool, err error) {
	start := d.pos + 1
	i := start
	for {
		for i < len(d.data) && inString[d.data[i]] {
			i++
		}
		if i >= len(d.data) {
			d.pos = i
			return nil, false, d.syntaxError(p, "")
		}
		switch d.data[i] {
		case '"':
			d.pos = i + 1
			return d.data[start:i], escaped, nil
		case '\\':
			escaped = true
			i++
			if i >= len(d.data) {
				d.pos = i
				return nil, false, d.syntaxError(p, "")
			}
			switch d.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				i++
				for j := 0; j < 4; j++ {
					if i >= len(d.data) || unhex(d.data[i]) < 0 {
						d.pos = i
						return nil, false, d.unexpected(p, "in \\u hexadecimal escape")
					}
					i++
				}
			default:
				d.pos = i
				return nil, false, d.unexpected(p, "in string escape")
			}
		default: // a control character
			d.pos = i
			return nil, false, d.unexpected(p, "in string literal")
		}
	}
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// hex4 decodes four hexadecimal digits that scanString has checked.
func hex4(b []byte) rune {
	return unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3])
}

// stringBytes consumes the string literal at d.pos and returns its
// content, unescaped and checked to be valid UTF-8. The result aliases the
// input or d.scratch: use it before the next string is read.
func (d *decoder) stringBytes(p *path) ([]byte, error) {
	return d.unquote(p, &d.scratch)
}

// unquote is stringBytes, unescaping into *buf.
func (d *decoder) unquote(p *path, buf *[]byte) ([]byte, error) {
	off := d.pos
	raw, escaped, err := d.scanString(p)
	if err != nil {
		return nil, err
	}
	if !escaped {
		if !utf8.Valid(raw) {
			return nil, d.fail(p, off, "invalid UTF-8 in string")
		}
		return raw, nil
	}
	b := (*buf)[:0]
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 {
			b = append(b, raw[i:]...)
			break
		}
		b = append(b, raw[i:i+j]...)
		i += j + 1 // past the backslash; scanString checked what follows
		c := raw[i]
		i++
		switch c {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(raw[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 || i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
					*buf = b
					return nil, d.fail(p, off, "unpaired surrogate escape in string")
				}
				r2 := hex4(raw[i+2:])
				if r2 < 0xDC00 || r2 > 0xDFFF {
					*buf = b
					return nil, d.fail(p, off, "unpaired surrogate escape in string")
				}
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
			b = utf8.AppendRune(b, r)
		default: // '"', '\\', '/'
			b = append(b, c)
		}
	}
	*buf = b
	if !utf8.Valid(b) {
		return nil, d.fail(p, off, "invalid UTF-8 in string")
	}
	return b, nil
}

// str decodes the string at d.pos.
func (d *decoder) str(p *path) (string, error) {
	if d.peek() != '"' {
		return "", d.wrongType(p, "string")
	}
	b, err := d.stringBytes(p)
	return string(b), err
}

// strs decodes the array of strings at d.pos. An empty array gives a
// non-nil empty slice.
func (d *decoder) strs(p *path) ([]string, error) {
	if d.peek() != '[' {
		return nil, d.wrongType(p, "array of strings")
	}
	d.pos++
	out := []string{}
	for i := 0; ; i++ {
		ok, err := d.nextElem(p, i == 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		s, err := d.str(&path{parent: p, index: i})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}

// Numbers and booleans.

// scanNumber consumes the number at d.pos, checking its syntax, and
// returns its text and whether it is an integer (no fraction or exponent).
func (d *decoder) scanNumber(p *path) (num []byte, integer bool, err error) {
	start := d.pos
	if d.peek() == '-' {
		d.pos++
	}
	switch c := d.peek(); {
	case c == '0':
		d.pos++
	case '1' <= c && c <= '9':
		d.digits()
	default:
		return nil, false, d.unexpected(p, "in numeric literal")
	}
	integer = true
	if d.peek() == '.' {
		integer = false
		d.pos++
		if c := d.peek(); c < '0' || c > '9' {
			return nil, false, d.unexpected(p, "after decimal point in numeric literal")
		}
		d.digits()
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		integer = false
		d.pos++
		if c := d.peek(); c == '+' || c == '-' {
			d.pos++
		}
		if c := d.peek(); c < '0' || c > '9' {
			return nil, false, d.unexpected(p, "in exponent of numeric literal")
		}
		d.digits()
	}
	return d.data[start:d.pos], integer, nil
}

func (d *decoder) digits() {
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
	}
}

// uint decodes the unsigned integer at d.pos, which must not exceed max;
// typ names the type for error messages ("uint64").
func (d *decoder) uint(p *path, max uint64, typ string) (uint64, error) {
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, d.wrongType(p, typ)
	}
	off := d.pos
	num, integer, err := d.scanNumber(p)
	if err != nil {
		return 0, err
	}
	switch {
	case num[0] == '-':
		return 0, d.fail(p, off, "want "+typ+", got negative number "+clip(num))
	case !integer:
		return 0, d.fail(p, off, "want "+typ+", got non-integer number "+clip(num))
	}
	var u uint64
	for _, c := range num {
		v := uint64(c - '0')
		if u > (max-v)/10 {
			return 0, d.fail(p, off, "number "+clip(num)+" overflows "+typ)
		}
		u = u*10 + v
	}
	return u, nil
}

// clip returns num for an error message, shortened if it is long.
func clip(num []byte) string {
	if len(num) > 40 {
		return string(num[:40]) + "..."
	}
	return string(num)
}

// bool decodes the boolean at d.pos.
func (d *decoder) bool(p *path) (bool, error) {
	switch d.peek() {
	case 't':
		return true, d.literal(p, "true")
	case 'f':
		return false, d.literal(p, "false")
	}
	return false, d.wrongType(p, "boolean")
}
