package todo

import (
	"errors"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An e-mail domain is kept in the form DNS and SMTP use: each label an LDH
// label (letters, digits, hyphens) or an A-label, "xn--" + punycode (RFC
// 5890 §2.3.2.1, RFC 3492). Turning a Unicode domain (ann@bücher.example)
// into A-labels needs IDNA's tables (UTS 46 mapping, NFC, the bidi rule),
// which golang.org/x/net/idna has and this package, the standard library
// only, cannot import: package account converts an address with it before
// it calls NormalizeEmail. Here a domain must already be
// ASCII; an A-label is checked as far as the standard library allows: its
// punycode decodes, to something that is not plain ASCII and has no
// invisible character, and it is the one canonical encoding of that.

var errDomain = errors.New("not a valid domain name")

// checkASCIIDomain checks a lower-case ASCII domain: LDH labels or
// well-formed A-labels, at most 63 octets a label and 253 the name, and a
// top-level label that is not all digits (RFC 3696 §2; a@192.0.2.1 is an
// address, not a domain).
func checkASCIIDomain(domain string) error {
	if len(domain) > 253 || hasNonASCII(domain) {
		return errDomain
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || !ldhLabel(l) && !aLabel(l) {
			return errDomain
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return errDomain
	}
	return nil
}

func hasNonASCII(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0
}

// ldhLabel: letters, digits and hyphens, not starting or ending with a
// hyphen, and no "--" in the third and fourth place (RFC 5891 §4.2.3.1:
// reserved for tagged labels such as "xn--").
func ldhLabel(l string) bool {
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return !strings.HasPrefix(l, "-") && !strings.HasSuffix(l, "-") && !(len(l) >= 4 && l[2:4] == "--")
}

// aLabel reports whether l is "xn--" and the canonical punycode of a label
// with a character beyond ASCII and none that is invisible.
func aLabel(l string) bool {
	if !strings.HasPrefix(l, "xn--") {
		return false
	}
	u, err := punyDecode(l[4:])
	if err != nil || !hasNonASCII(u) || strings.IndexFunc(u, hiddenRune) >= 0 || strings.ContainsRune(u, '.') {
		return false
	}
	enc, err := punyEncode(u)
	return err == nil && "xn--"+enc == l
}

// Punycode's parameters (RFC 3492 §5).
const (
	pBase        = 36
	pTMin        = 1
	pTMax        = 26
	pSkew        = 38
	pDamp        = 700
	pInitialBias = 72
	pInitialN    = 128
)

var errPunycode = errors.New("punycode: invalid input")

// punyAdapt is RFC 3492 §6.1's bias adaptation.
func punyAdapt(delta, numPoints int32, first bool) int32 {
	if first {
		delta /= pDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := int32(0)
	for delta > ((pBase-pTMin)*pTMax)/2 {
		delta /= pBase - pTMin
		k += pBase
	}
	return k + (pBase-pTMin+1)*delta/(delta+pSkew)
}

func punyT(k, bias int32) int32 {
	return min(max(k-bias, pTMin), pTMax)
}

func punyDigit(d int32) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

// punyEncode is RFC 3492 §6.3's encoder; s's ASCII is copied as it is.
func punyEncode(s string) (string, error) {
	runes := []rune(s)
	out := make([]byte, 0, len(s)+8)
	for _, r := range runes {
		if r < pInitialN {
			out = append(out, byte(r))
		}
	}
	b := int32(len(out))
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := int32(pInitialN), int32(0), int32(pInitialBias)
	for h < int32(len(runes)) {
		m := int32(math.MaxInt32)
		for _, r := range runes {
			if r >= n && r < m {
				m = r
			}
		}
		if m-n > (math.MaxInt32-delta)/(h+1) {
			return "", errPunycode
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if r < n {
				if delta == math.MaxInt32 {
					return "", errPunycode
				}
				delta++
			}
			if r != n {
				continue
			}
			q := delta
			for k := int32(pBase); ; k += pBase {
				t := punyT(k, bias)
				if q < t {
					break
				}
				out = append(out, punyDigit(t+(q-t)%(pBase-t)))
				q = (q - t) / (pBase - t)
			}
			out = append(out, punyDigit(q))
			bias = punyAdapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return string(out), nil
}

// punyDecode is RFC 3492 §6.2's decoder.
func punyDecode(s string) (string, error) {
	var out []rune
	pos := 0
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for j := 0; j < i; j++ {
			if s[j] >= utf8.RuneSelf {
				return "", errPunycode
			}
			out = append(out, rune(s[j]))
		}
		pos = i + 1
	}
	n, bias, i := int32(pInitialN), int32(pInitialBias), int32(0)
	for pos < len(s) {
		oldi, w := i, int32(1)
		for k := int32(pBase); ; k += pBase {
			if pos >= len(s) {
				return "", errPunycode
			}
			c := s[pos]
			pos++
			var digit int32
			switch {
			case '0' <= c && c <= '9':
				digit = int32(c-'0') + 26
			case 'a' <= c && c <= 'z':
				digit = int32(c - 'a')
			case 'A' <= c && c <= 'Z':
				digit = int32(c - 'A')
			default:
				return "", errPunycode
			}
			if digit > (math.MaxInt32-i)/w {
				return "", errPunycode
			}
			i += digit * w
			t := punyT(k, bias)
			if digit < t {
				break
			}
			if w > math.MaxInt32/(pBase-t) {
				return "", errPunycode
			}
			w *= pBase - t
		}
		x := int32(len(out) + 1)
		bias = punyAdapt(i-oldi, x, oldi == 0)
		if i/x > math.MaxInt32-n {
			return "", errPunycode
		}
		n += i / x
		i %= x
		if n > unicode.MaxRune || 0xD800 <= n && n <= 0xDFFF {
			return "", errPunycode
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = n
		i++
	}
	return string(out), nil
}
