package chat

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// environment is gonja's default environment plus the globals and filters transformers adds.
var environment = func() *exec.Environment {
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
	if err := filters.Replace("tojson", filterToJSON); err != nil {
		panic(err) // gonja always has tojson; losing it is a dependency change to notice
	}
	globals := exec.NewContext(map[string]any{
		"raise_exception": raiseException,
		"strftime_now":    strftimeNow,
	})
	return &exec.Environment{
		Context:           exec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables).Update(globals),
		Filters:           filters,
		Tests:             builtins.Tests,
		ControlStructures: builtins.ControlStructures,
		Methods:           builtins.Methods,
	}
}()

// raiseMarker precedes the message of a raise_exception call in gonja's error text.
const raiseMarker = "'raise_exception': "

func raiseException(msg string) (string, error) { return "", errors.New(msg) }

// now is the clock strftime_now reads; tests pin it.
var now = time.Now

// strftimeNow formats the current local time with Python's strftime directives.
func strftimeNow(format string) (string, error) {
	return strftime(now(), format)
}

func strftime(t time.Time, format string) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			sb.WriteString(strconv.Itoa(t.Year()))
		case 'y':
			fmt.Fprintf(&sb, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&sb, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&sb, "%02d", t.Day())
		case 'e':
			fmt.Fprintf(&sb, "%2d", t.Day())
		case 'j':
			fmt.Fprintf(&sb, "%03d", t.YearDay())
		case 'H':
			fmt.Fprintf(&sb, "%02d", t.Hour())
		case 'I':
			fmt.Fprintf(&sb, "%02d", (t.Hour()+11)%12+1)
		case 'M':
			fmt.Fprintf(&sb, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&sb, "%02d", t.Second())
		case 'p':
			sb.WriteString(t.Format("PM"))
		case 'b', 'h':
			sb.WriteString(t.Format("Jan"))
		case 'B':
			sb.WriteString(t.Format("January"))
		case 'a':
			sb.WriteString(t.Format("Mon"))
		case 'A':
			sb.WriteString(t.Format("Monday"))
		case 'Z':
			sb.WriteString(t.Format("MST"))
		case 'z':
			sb.WriteString(t.Format("-0700"))
		case '%':
			sb.WriteByte('%')
		default:
			return "", fmt.Errorf("strftime_now: directive %%%c is not supported", format[i])
		}
	}
	return sb.String(), nil
}

// filterToJSON is transformers' tojson: json.dumps(x, ensure_ascii=False, indent=indent).
func filterToJSON(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	indent := -1
	if v, ok := params.KwArgs["indent"]; ok && !v.IsNil() {
		if !v.IsInteger() {
			return exec.AsValue(fmt.Errorf("tojson: indent must be an integer, got %s", v.String()))
		}
		indent = v.Integer()
	}
	var sb strings.Builder
	if err := writeJSON(&sb, reflect.ValueOf(in.Interface()), indent, 0); err != nil {
		return exec.AsValue(fmt.Errorf("tojson: %w", err))
	}
	return exec.AsSafeValue(sb.String())
}

var (
	valueType = reflect.TypeOf(&exec.Value{})
	dictType  = reflect.TypeOf(&exec.Dict{})
)

// writeJSON writes v as Python's json.dumps does: ", " and ": " separators (",", ": " with an
// indent), non-ASCII kept, map keys in their order (gonja dicts) or sorted (Go maps).
func writeJSON(sb *strings.Builder, v reflect.Value, indent, level int) error {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			sb.WriteString("null")
			return nil
		}
		switch v.Type() {
		case valueType:
			return writeJSON(sb, v.Interface().(*exec.Value).Val, indent, level)
		case dictType:
			d := v.Interface().(*exec.Dict)
			keys := make([]string, len(d.Pairs))
			vals := make([]reflect.Value, len(d.Pairs))
			for i, p := range d.Pairs {
				keys[i] = p.Key.String()
				vals[i] = p.Value.Val
			}
			return writeObject(sb, keys, vals, indent, level)
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		sb.WriteString("null")
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		writeJSONString(sb, v.String())
	case reflect.Bool:
		sb.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		sb.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		sb.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			sb.WriteString("NaN")
		case math.IsInf(f, 1):
			sb.WriteString("Infinity")
		case math.IsInf(f, -1):
			sb.WriteString("-Infinity")
		case f == math.Trunc(f) && math.Abs(f) < 1e16:
			sb.WriteString(strconv.FormatFloat(f, 'f', 1, 64)) // Python prints 1.0
		default:
			sb.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			sb.WriteString("[]")
			return nil
		}
		sb.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				sb.WriteByte(',')
				if indent < 0 {
					sb.WriteByte(' ')
				}
			}
			newline(sb, indent, level+1)
			if err := writeJSON(sb, v.Index(i), indent, level+1); err != nil {
				return err
			}
		}
		newline(sb, indent, level)
		sb.WriteByte(']')
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		byKey := map[string]reflect.Value{}
		for _, k := range v.MapKeys() {
			ks := fmt.Sprint(k.Interface())
			keys = append(keys, ks)
			byKey[ks] = v.MapIndex(k)
		}
		sort.Strings(keys)
		vals := make([]reflect.Value, len(keys))
		for i, k := range keys {
			vals[i] = byKey[k]
		}
		return writeObject(sb, keys, vals, indent, level)
	default:
		return fmt.Errorf("cannot encode a %s", v.Type())
	}
	return nil
}

func writeObject(sb *strings.Builder, keys []string, vals []reflect.Value, indent, level int) error {
	if len(keys) == 0 {
		sb.WriteString("{}")
		return nil
	}
	sb.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(',')
			if indent < 0 {
				sb.WriteByte(' ')
			}
		}
		newline(sb, indent, level+1)
		writeJSONString(sb, k)
		sb.WriteString(": ")
		if err := writeJSON(sb, vals[i], indent, level+1); err != nil {
			return err
		}
	}
	newline(sb, indent, level)
	sb.WriteByte('}')
	return nil
}

func newline(sb *strings.Builder, indent, level int) {
	if indent < 0 {
		return
	}
	sb.WriteByte('\n')
	sb.WriteString(strings.Repeat(" ", indent*level))
}

// writeJSONString quotes s like json.dumps(ensure_ascii=False): only quotes, backslashes and
// control characters are escaped.
func writeJSONString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(sb, `\u%04x`, r)
			} else {
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
}
