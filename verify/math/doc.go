// Package math verifies answers to math problems: it extracts the final answer from a
// completion and decides whether it is equivalent to the reference answer.
//
// Extraction (Extract) follows selectable rules — the <answer> tag of the
// "<think> … </think> <answer> … </answer>" format, the last \boxed{…}, GSM8K's "#### …",
// "Answer: …" lines, and the last number only when asked — and reports which rule matched.
//
// Equivalence (Parse, Compare, Equal) parses LaTeX and plain-text math into an expression
// tree and compares values, not strings:
//   - numbers exactly as rationals (math/big): \frac{1}{2}, \dfrac12, 0.5, 1/2, 5e-1 are equal,
//     as are the mixed number 2\frac{1}{2} and 5/2, and 0.\overline{3} and 1/3; thousands
//     separators (1,000, 1{,}000, 1\,000), units (5 cm, \text{ inches}, 9.8\text{ m/s}^2), \%,
//     \$ and degrees (90^\circ) do not change a number;
//   - other constants and expressions with variables numerically over the complex numbers,
//     with a relative tolerance of 1e-9, variables at four fixed pseudo-random points
//     (3\sqrt{13} = \sqrt{117}, 2(k+1) = 2k+2, \cot x = \cos x/\sin x, 6-5i);
//   - "x = 5" equals 5; equations equal when one is a non-zero multiple of the other;
//   - a ± b is the set {a+b, a−b}; comma lists and \{sets\} compare without order; tuples,
//     intervals (open and closed ends), unions and pmatrix/bmatrix matrices elementwise;
//   - multiple-choice letters ((C), \text{(C)}); text answers after lowercasing and dropping
//     \text wrappers, punctuation and articles.
//
// Comparisons are symmetric (except under Options.MathVerify, below). Each runs under a
// budget (Options: length, nesting depth, work and time): 10^{10^{10}}, 5,000-character
// answers or deeply nested braces compare as not equal with a Reason, and never hang. Parse never fails: input that is not math is
// compared as text.
//
// A second mode reproduces Hugging Face math-verify (what lm-evaluation-harness, open-r1 and
// TRL grade with): ExtractMathVerify finds the answer in free text by math-verify's priorities
// (mvextract.go), ParseMathVerify reads a ground truth whole, and Options.MathVerify compares as
// math-verify's verify does (mvcompare.go) — decimals rounded to 6 places, gold-led and so
// asymmetric equation handling, inequalities up to a positive factor, matrix arithmetic.
//
// Base subscripts are dropped: 52_8 equals 52_{8} and 52 (the digits as written) but not 42.
// i is the imaginary unit and e Euler's number; \log is the natural logarithm.
package math
