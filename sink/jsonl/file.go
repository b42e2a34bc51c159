package jsonl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// FileMode is the permission a file created by [Open] or [OpenWriter] gets
// (before the umask): readable and writable by its owner only, as an audit
// trail should be.
const FileMode fs.FileMode = 0o600

// OpenWriter opens the file at path for appending, creating it with mode
// [FileMode] if it does not exist, and returns a [Writer] that owns it:
// Close syncs it per the policy and closes it. The file is never truncated.
//
// If the file ends in a torn line (its last byte is not a newline, as
// after a crash in the middle of a write), the first line written starts
// with a newline, so that it begins on a line of its own; the torn bytes
// stay in the file, for a [Reader] to report as a corrupt line. The check
// reads the file's last byte through a separate read-only descriptor; when
// the file cannot be read (a write-only audit file), it is skipped.
//
// OpenWriter returns an error naming the option when opts is invalid,
// before touching the file.
func OpenWriter[T any](path string, opts *WriterOptions) (*Writer[T], error) {
	f, torn, created, err := openAppend(path, opts, "OpenWriter")
	if err != nil {
		return nil, err
	}
	w, err := newWriter[T](f, f, opts, "OpenWriter")
	if err != nil {
		discard(f, path, created)
		return nil, err
	}
	w.torn = torn
	return w, nil
}

// openAppend validates opts, then opens path for appending and reports
// whether it ends in a torn line and whether this call created it.
func openAppend(path string, opts *WriterOptions, fn string) (f *os.File, torn, created bool, err error) {
	if opts != nil {
		if err := opts.validate(fn); err != nil {
			return nil, false, false, err
		}
	}
	// Try to create the file first, so that a failure later in the set-up
	// can remove a file this call created, and only such a file.
	const flags = os.O_WRONLY | os.O_APPEND | os.O_CREATE
	f, err = os.OpenFile(path, flags|os.O_EXCL, FileMode)
	created = err == nil
	if errors.Is(err, fs.ErrExist) {
		f, err = os.OpenFile(path, flags, FileMode)
	}
	if err != nil {
		return nil, false, false, fmt.Errorf("jsonl: %w", err)
	}
	if !created {
		torn, err = endsTorn(f, path)
		if err != nil {
			f.Close()
			return nil, false, false, err
		}
	}
	return f, torn, created, nil
}

// endsTorn reports whether the regular file f, open for writing at path,
// is not empty and does not end in a newline.
func endsTorn(f *os.File, path string) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("jsonl: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return false, nil // a device or a pipe has no tail to check
	}
	if fi.Size() == 0 {
		return false, nil
	}
	r, err := os.Open(path)
	if err != nil {
		return false, nil // write-only: cannot check, assume whole lines
	}
	defer r.Close()
	// Read the last byte of what is there now, which may be more than
	// fi.Size() if another process appended since.
	rfi, err := r.Stat()
	if err != nil {
		return false, fmt.Errorf("jsonl: %w", err)
	}
	if rfi.Size() == 0 {
		return false, nil
	}
	var last [1]byte
	n, err := r.ReadAt(last[:], rfi.Size()-1)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("jsonl: check tail of %s: %w", path, err)
	}
	return n == 1 && last[0] != '\n', nil
}

// discard closes f after a failed set-up, and removes it if the set-up
// created it: a failed Open leaves nothing behind.
func discard(f *os.File, path string, created bool) {
	f.Close()
	if created {
		os.Remove(path)
	}
}
