package math

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The math-verify–compatible mode against Hugging Face math-verify's own rules. Every case is
// ours, written from the rules of huggingface/Math-Verify (src/math_verify/parser.py,
// grader.py) and of the test family cited above each group (tests/test_all.py unless named);
// the verdicts are what math-verify's verify(parse(gold), parse(pred)) returns with its default
// extraction (LatexExtractionConfig + ExprExtractionConfig), in each order. Upstream's helper
// gives \boxed{} priority 0 where the default is 50; none of these cases depends on it.

type mvVerdict int8

const (
	mvNo   mvVerdict = iota // math-verify says not equal
	mvYes                   // math-verify says equal
	mvSkip                  // this order is not checked
)

type mvCase struct {
	gold, pred string
	want, rev  mvVerdict // verify(gold, pred) and verify(pred, gold)
	round      int       // FloatRounding (the float_rounding upstream's case uses); 0 = 6
	// differs says why mirage's verdict is not math-verify's, "" when they agree. Such a
	// case asserts the documented difference, so the list stays true.
	differs string
}

var mvCases = map[string][]mvCase{
	// test_latex_notation: every delimiter, inline ones on one line only; styling ignored.
	"delimiters": {
		{gold: "$9$", pred: `Answer \[ 9 \]`, want: mvYes, rev: mvYes},
		{gold: "$9$", pred: "Answer $ 9 $", want: mvYes, rev: mvYes},
		{gold: "$9$", pred: "Answer $$ 9 $$", want: mvYes, rev: mvYes},
		{gold: "$9$", pred: `Answer \( 9 \)`, want: mvYes, rev: mvYes},
		{gold: "$10$", pred: `Answer \( (9+1) \)`, want: mvYes, rev: mvYes},
		{gold: "$9$", pred: "Answer \\[ \n 9 \n \\]", want: mvYes, rev: mvYes}, // display math spans lines
		// Inline math does not span lines; upstream checks this with LaTeX extraction alone
		// (0). With the default expression extraction, the 9 after the line break is a plain
		// number after "Answer".
		{gold: "$9$", pred: "Answer $ \n 9 \n $", want: mvYes, rev: mvYes},
		{gold: "$12$", pred: "we get $ \n 9 \n $ and more", want: mvNo, rev: mvNo},
		// A "\$" inside inline math; an equation predicted for a plain gold is its right side.
		{gold: "$10/9$", pred: `Answer $ \frac{1}{2} \$ = \frac{10}{9} $`, want: mvYes, rev: mvNo},
		{gold: "$1/3$", pred: `$\frac13 $`, want: mvYes, rev: mvYes},
		{gold: "$1$", pred: `$\frac3{3} $`, want: mvYes, rev: mvYes},
		{gold: `$\sqrt{3}$`, pred: `$\sqrt3 $`, want: mvYes, rev: mvYes},
		{gold: "$1/3$", pred: `$\cfrac{1}{3} $`, want: mvYes, rev: mvYes},
		{gold: "$1/3$", pred: `$\left( \frac{1}{3} \right)$`, want: mvYes, rev: mvYes},
		{gold: "$1/3$", pred: `$\boxed{\frac{1}{3}}$`, want: mvYes, rev: mvYes},
		{gold: "$1/3$", pred: `$\frac{1}{3} \text{meters}$`, want: mvYes, rev: mvYes},
		{gold: "$1/3$", pred: `$k = \frac{1}{3}$`, want: mvYes, rev: mvYes},
		// test_simple_fraction_notation: a bare \frac{a}{b} is found without delimiters.
		{gold: "10/9", pred: `\frac{10}{9}`, want: mvYes, rev: mvYes},
		{gold: "-10/9", pred: `-\frac{10}{9}`, want: mvYes, rev: mvYes},
	},
	// parser.py's priorities: "final answer is … I hope" (0) before \boxed and "final answer …
	// is" (50), before "answer:" (100), "answer" (200) and anything (300); inside a group the
	// match that ends last. test_math_extraction_edge_cases, test_math_extraction_additional_cases
	// and tests/test_boxed.py are of this kind.
	"priority": {
		{gold: "$28$", pred: `Final Answer: The final answer is $28 \%$. I hope it is correct. Note: we had $\boxed{72}$ before.`, want: mvYes, rev: mvYes},
		{gold: "$6$", pred: `So \boxed{3} was wrong. The final answer is 6.`, want: mvYes, rev: mvYes},
		{gold: "$5$", pred: "The answer is $5$, checked against $7$ and $8$ below.", want: mvYes, rev: mvYes},
		{gold: "$34$", pred: "Final Answer: The largest $n$ is 34.", want: mvYes, rev: mvYes},
		{gold: "$10$", pred: "We get $3$ first and then 10 more", want: mvYes, rev: mvYes}, // LaTeX and numbers share the last group
		{gold: "$2/3$", pred: "So P(A) = (1/2) * (4/3) = 2/3. Therefore, the probability that Alice wins the game is 2/3. <|im_start|>user", want: mvYes, rev: mvYes},
		{gold: "12000023", pred: `the sum is $12,\!000,\!023$. Final Answer: The final answer is 12,000,023. I hope it is correct.`, want: mvYes, rev: mvYes},
		{gold: "$7.78$", pred: `Price per pound = $10 Cost = $\frac{70}{9}$ So, Anna pays approximately $7.78 for her fudge. Final Answer: The final answer is 7.78.`, want: mvYes, rev: mvYes},
		{gold: "$189$", pred: "area is (15 +27)/2 *9=189.\n\n**Final Answer**\n\\boxed{189}\n</think>\n\nThus the area is \\(\\boxed{189}\\) square centimeters.", want: mvYes, rev: mvYes},
		{gold: "$004$", pred: "the answer should be \\boxed{004}.\n\nBut the sum is 2,552,004.\n\n**Final Answer**\n\\boxed{004}", want: mvYes, rev: mvYes},
		{gold: "$840$", pred: "could answer therefore\\boxed{840}.,but let me explain.\n\n**Final Answer**\n\\boxed{840}", want: mvYes, rev: mvYes},
		{gold: `$\boxed{1}\boxed{2}$`, pred: `$\boxed{1,2}$`, want: mvYes, rev: mvYes},
		{gold: `$\boxed{35 cm} ++++++ \boxed{4}$`, pred: `${35 cm,4}$`, want: mvYes, rev: mvYes},
		{gold: "$2$", pred: "AZYUK2A", want: mvNo, rev: mvNo},            // a number needs a space, '=' or the start before it
		{gold: "$5$", pred: "<answer>5</answer>", want: mvNo, rev: mvNo}, // ">5" has no anchor: math-verify finds nothing
		{gold: "$1$", pred: `\boxed{1} Then a long explanation that goes on and on for more than seventy characters. \boxed{2}`, want: mvNo, rev: mvNo},
	},
	// test_relations_math: every relation spelling, flipped and negated inequalities.
	"relations": {
		{gold: "$x >= 5$", pred: `Therefore $x \geq 5$ is the solution.`, want: mvYes, rev: mvYes},
		{gold: "$x < 3$", pred: `We find that $x \lt 3$.`, want: mvYes, rev: mvYes},
		{gold: `$x \leq 2$`, pred: "Thus $x <= 2$ is our answer.", want: mvYes, rev: mvYes},
		{gold: "$x > 5$", pred: `Therefore $x \gt 5$ is the solution.`, want: mvYes, rev: mvYes},
		{gold: "$x != 3$", pred: `We find that $x \neq 3$.`, want: mvYes, rev: mvYes},
		{gold: `$x \neq 5$`, pred: "The solution is $x != 5$", want: mvYes, rev: mvYes},
		{gold: "$x > 5$", pred: "Therefore $x < 5$ is the solution.", want: mvNo, rev: mvNo},
		{gold: `$x \geq 5$`, pred: `The solution is $x \leq 5$`, want: mvNo, rev: mvNo},
		{gold: `$x \leq 5$`, pred: `$5 \geq x$`, want: mvYes, rev: mvYes},
		{gold: `$x \geq 5$`, pred: `$5 \leq x$`, want: mvYes, rev: mvYes},
		{gold: "$x < 1$", pred: "$-x > -1$", want: mvYes, rev: mvYes},
		{gold: "$x < 1$", pred: "$x > -1$", want: mvNo, rev: mvNo},
		{gold: "$x <= 1$", pred: "$-x >= -1$", want: mvYes, rev: mvYes},
		{gold: "$2x < 2$", pred: "$x < 1$", want: mvYes, rev: mvYes}, // solve() gives one interval
		{gold: "$x < 1$", pred: `$x \le 1$`, want: mvNo, rev: mvNo},
	},
	// test_relations_math: chains, \approx, assignments (gold-led, so asymmetric).
	"equations": {
		{gold: "$x = 11$", pred: "$x = 5+5+1 = 7 =11$", want: mvYes, rev: mvYes},
		{gold: "$z = 1 + 1 = 2$", pred: "$z = 3+3 = 2$", want: mvYes, rev: mvYes},
		{gold: "$7 = 11a+c$", pred: "$11a+c$", want: mvNo, rev: mvYes},
		{gold: "$x = 1/3$", pred: `$x = 5+5+1 = 1/3 \approx 11$`, want: mvYes, rev: mvYes},
		{gold: "$11$", pred: "$x=11$", want: mvYes, rev: mvYes},
		{gold: "$11$", pred: `$x\approx11$`, want: mvYes, rev: mvYes},
		{gold: "$1/3$", pred: `$x=1/3\approx1.3$`, want: mvYes, rev: mvYes},
		{gold: "$a +3z = 0$", pred: "$0$", want: mvNo, rev: mvYes},
		{gold: `$1 = \zzz = x = 0$`, pred: "$0$", want: mvYes, rev: mvYes}, // unparsable chain: its last side
		{gold: "$2x + z = 1$", pred: "$1$", want: mvNo, rev: mvYes},
		{gold: "$a^2 + b = 0$", pred: "$0$", want: mvNo, rev: mvYes},
		{gold: "$k=1$", pred: "$1$", want: mvYes, rev: mvYes},
		{gold: "$x=1$", pred: "$y=1$", want: mvNo, rev: mvNo},
		{gold: "$2x+4y-3=0$", pred: `$y=-\frac{1}{2}x+\frac{3}{4}$`, want: mvYes, rev: mvYes},
		{gold: "$x^2/4 + y^2/3 = 1$", pred: "$x^2/16 + y^2/12 = 1/4$", want: mvYes, rev: mvYes},
		// test_complex_math_expressions (from Qwen's parser tests).
		{gold: "$34x+45y-20z+100=0$", pred: "$-34x-45y+20z-100=0$", want: mvYes, rev: mvYes},
	},
	// test_matrix_extraction: environments, \left[\begin{array}…\right], sums and products.
	"matrices": {
		{gold: `$\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix}$`, pred: `The identity matrix is $ \begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix} $.`, want: mvYes, rev: mvYes},
		{gold: `$\begin{bmatrix}0 & 0 \\0 & 0\end{bmatrix}$`, pred: `Here is a zero matrix: $ \begin{pmatrix}0 & 0 \\0 & 0\end{pmatrix} $`, want: mvYes, rev: mvYes},
		{gold: `$\begin{pmatrix}1 & 2 \\3 & 4\end{pmatrix}$`, pred: `Special matrix: $ \left[\begin{array}{cc}1 & 2 \\3 & 4\end{array}\right] $`, want: mvYes, rev: mvYes},
		{gold: `$\begin{pmatrix}\frac{1}{2} & \frac{3}{4} \\ \frac{5}{6} & \frac{7}{8}\end{pmatrix}$`, pred: `Matrix with fractions: $ \begin{pmatrix}\frac{1}{2} & \frac{3}{4} \\ \frac{5}{6} & \frac{7}{8}\end{pmatrix} $`, want: mvYes, rev: mvYes},
		{gold: `$\begin{pmatrix}6 & 8 \\ 10 & 12\end{pmatrix}$`, pred: `The sum is $\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} + \begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}$`, want: mvYes, rev: mvYes},
		{gold: `$\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix}$`, pred: `When multiplying by identity: $\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix} \begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix}$`, want: mvYes, rev: mvYes},
		{gold: `$\begin{pmatrix}19 & 22 \\ 43 & 50\end{pmatrix}$`, pred: `$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}\begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}$`, want: mvYes, rev: mvYes},
		{gold: `$\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}$`, pred: `The matrix is $\begin{pmatrix}1 & 2 \\ 3 & 5\end{pmatrix}$`, want: mvNo, rev: mvNo},
		{gold: "\\boxed{\n\\begin{pmatrix} 0 & 3 \\\\ 0 & -1 \\end{pmatrix}\n}.\n\\end{align*}", pred: `so $\boxed{\begin{pmatrix} 0 & 3 \\ 0 & -1 \end{pmatrix}}$`, want: mvYes, rev: mvYes},
		// test_complex_math_expressions: decimals in a matrix at float_rounding 2.
		{gold: `$(\begin{pmatrix}\frac{1}{3}\\ \frac{1}{5} \end{pmatrix})$`, pred: `$\begin{pmatrix}0.33\\0.2 \end{pmatrix}$`, want: mvYes, rev: mvYes, round: 2},
		{gold: `$(\begin{pmatrix}\frac{1}{3}\\ \frac{1}{5} \end{pmatrix})$`, pred: `$\begin{pmatrix}0.33\\0.2 \end{pmatrix}$`, want: mvNo, rev: mvNo},
	},
	// test_number_extraction: plain numbers, thousands separators (',' and ' '), a decimal
	// comma, a leading point.
	"numbers": {
		{gold: "-5", pred: "-5", want: mvYes, rev: mvYes},
		{gold: "7425000", pred: "7,425,000", want: mvYes, rev: mvYes},
		{gold: "1000", pred: "1 000", want: mvYes, rev: mvYes},
		{gold: "1000000", pred: "it is 1 000 000", want: mvYes, rev: mvYes},
		{gold: "1000", pred: "1000.0", want: mvYes, rev: mvYes},
		{gold: "1000.0", pred: "1,000.0", want: mvYes, rev: mvYes},
		{gold: "1000.99", pred: "1000,99", want: mvYes, rev: mvYes},
		{gold: "1,22", pred: "1.22", want: mvYes, rev: mvYes},
		{gold: "0,111", pred: "0.111", want: mvYes, rev: mvYes},
		{gold: "0.4", pred: ".4", want: mvYes, rev: mvYes},
		{gold: "1000.99", pred: "1,000.99", want: mvYes, rev: mvYes},
		{gold: "2", pred: "AZYUK2A", want: mvNo, rev: mvNo},
		{gold: "$32349$", pred: `is $\boxed{32,\! 349}$`, want: mvYes, rev: mvYes},
		{gold: "$32349$", pred: `is $\boxed{32, 349}$`, want: mvNo, rev: mvNo}, // a list of two numbers
		{gold: `\[ \boxed{11111111100} \]`, pred: `is $\boxed{11,\! 111,\! 111,\! 100}$`, want: mvYes, rev: mvYes},
	},
	// test_number_extraction: currency signs and units around a number.
	"units and currency": {
		{gold: "2.74", pred: "Soucis : 2,74 $ a..", want: mvYes, rev: mvYes},
		{gold: "1000.99", pred: "$1,000.99", want: mvYes, rev: mvYes},
		{gold: "1000.99", pred: "1,000.99$", want: mvYes, rev: mvYes},
		{gold: "1000.99", pred: "the number is not 10 which is 1,000.99€", want: mvYes, rev: mvYes},
		{gold: "1000.99", pred: "so the number is 10 which is 1,000.99m²", want: mvYes, rev: mvYes},
		{gold: "1000.99", pred: "not it's not 10 it's 1,000.99m²", want: mvYes, rev: mvYes},
		// test_latex_notation_math: units inside LaTeX.
		{gold: `$15\mbox{ cm}^2$`, pred: `Therefore, the area of the triangle is $$\frac{1}{2}\times 3 \times 10 = \boxed{15\mbox{ cm}^2}.$$`, want: mvYes, rev: mvYes},
		{gold: "$125$ miles", pred: `The distance is $\boxed{125\textnormal{ miles}}.$`, want: mvYes, rev: mvYes},
		{gold: `$90^\circ$`, pred: `\angle BAC &= 50^\circ+40^\circ \\ &= \boxed{90^\circ}. \end{align*}`, want: mvYes, rev: mvYes},
		// test_percent_notation.
		{gold: `$28\%$`, pred: "28 percent", want: mvYes, rev: mvYes},
		{gold: `$28\%$`, pred: "28 pct", want: mvYes, rev: mvYes},
		{gold: `$28\%$`, pred: "$28$ %", want: mvYes, rev: mvYes},
		{gold: `$28\%$`, pred: `$\boxed{28}$ pct`, want: mvYes, rev: mvYes},
		{gold: `$28\%$`, pred: `$\boxed{28 percentage}`, want: mvYes, rev: mvYes},
	},
	// test_precision, test_float_precision, test_sqrt_precision and the Qwen cases of
	// test_complex_math_expressions: a decimal equals what rounds to it at float_rounding
	// decimals (6 by default); exact values compare exactly.
	"decimal precision": {
		{gold: `$\frac{1}{12}$`, pred: "$0.0833333333333333$", want: mvYes, rev: mvYes},
		{gold: `$\frac{1}{3}$`, pred: "$0.333333$", want: mvYes, rev: mvYes},
		{gold: `$\frac{1}{3}$`, pred: "0.3333$", want: mvNo, rev: mvNo},
		{gold: `$\frac{1}{3}$`, pred: "0.3333$", want: mvYes, rev: mvYes, round: 4},
		{gold: `$\frac{4}{3}$`, pred: "$1.333$", want: mvYes, rev: mvYes, round: 3},
		{gold: `$\frac{4}{3}$`, pred: "$1.333$", want: mvNo, rev: mvNo, round: 4},
		{gold: `$(1,\frac{9}{2})$`, pred: "$(1,4.5)$", want: mvYes, rev: mvYes},
		{gold: `$(\frac{3}{5},\frac{8}{3}]$`, pred: "$(0.6,2.6667]$", want: mvYes, rev: mvYes, round: 2},
		{gold: "4.123105625617661", pred: `$\sqrt{17}$`, want: mvYes, rev: mvYes, round: 5},
		{gold: "$4$", pred: `$4\sqrt{2}$`, want: mvNo, rev: mvNo},
		{gold: "$2$", pred: `$\frac{1+\sqrt{5}}{2}$`, want: mvNo, rev: mvNo},
		{gold: `$1\sqrt{19}$`, pred: "$1$", want: mvNo, rev: mvNo},
		{gold: `$\frac{x+2}{7}$`, pred: `$\frac{x}{7}+\frac{2}{7}$`, want: mvYes, rev: mvYes},
		{gold: `$\tan^2(y)+1$`, pred: `$\sec^2(y)$`, want: mvYes, rev: mvYes},
		{gold: "$x+2n+1$", pred: "$x+1$", want: mvNo, rev: mvNo},
	},
	// tests/test_numina_cases.py, tests/test_open_thoughts.py and tests/test_yujianll.py:
	// lists of answers, tuples, assignments, boxes joined by "and".
	"lists and tuples": {
		{gold: `$(37,3,3,13),(17,3,3,7),(3,37,3,13),(3,17,3,7),(3,3,2,3)$`, pred: `$\boxed{(3, 37, 3, 13), (3, 17, 3, 7), (3, 3, 2, 3), (3,17,3,7), (17,3,3,7), (37,3,3,13)}$`, want: mvYes, rev: mvYes},
		{gold: `$(37,3,3),(17,3,3,7),(3,37,3,13),(3,17,3,7),(3,3,2,3)$`, pred: `$\boxed{(3, 37, 3, 13), (3, 17, 3, 7), (3, 3, 2, 3), (3,17,3,7), (17,3,3,7), (37,3,3,13)}$`, want: mvNo, rev: mvNo},
		{gold: "$(p,q)=(3,2)$", pred: "$(3,2)$", want: mvYes, rev: mvYes},
		{gold: "$(p,q,r)=(3,2,7)$", pred: `$\boxed{(3,2,7)}$`, want: mvYes, rev: mvYes},
		{gold: `$(0;0;0),(0;-2;0),(4;0;6)$`, pred: `\boxed{(4, 0, 6), (0, -2, 0), (0, 0, 0)}`, want: mvYes, rev: mvYes},
		{gold: "$-12;-11;-10;-8$", pred: `$\boxed{\{-12, -11, -10, -8\}}$`, want: mvYes, rev: mvYes},
		{gold: "$AB=4,CD=5$", pred: `$\boxed{4, 5}$`, want: mvYes, rev: mvYes},
		{gold: "$(11,7)or(7,11)$", pred: `$\boxed{(7,11),\ (11,7)}$`, want: mvYes, rev: mvYes},
		{gold: "$S_{MBCN}:S=7:32$", pred: `$\boxed{7:32}$`, want: mvYes, rev: mvYes}, // a ratio is a quotient
		{gold: "$V_{1}:V_{2}=11:21$", pred: "$11:21$", want: mvYes, rev: mvYes},
		{gold: "$12:00$", pred: "$1:00$", want: mvNo, rev: mvNo},
		{gold: "$(2,1),(1,2),(-1,-20)$", pred: "solutions are:\n\n\\[\n\\boxed{(1, 2)}, \\boxed{(2, 1)}, \\boxed{(-1, -20)}\n\\]", want: mvYes, rev: mvYes},
		{gold: `\(\boxed{1}\) and \(\boxed{-2}\).`, pred: `$\boxed{-2,1}$.`, want: mvYes, rev: mvYes},
		{gold: "$1$ and $2$ and $3$", pred: `$\boxed{1,2,3}$`, want: mvYes, rev: mvYes},
		{gold: "$21,16$ or $11$", pred: "$21,16,11$", want: mvYes, rev: mvYes},
		{gold: `\boxed{x = -5,\ p = \frac{14}{3}} `, pred: `$\boxed{-5, \frac{14}{3}}$`, want: mvYes, rev: mvYes},
		{gold: `\boxed{a=4,\,-8,\,-10}`, pred: `$\boxed{-10,-8,4}$`, want: mvYes, rev: mvYes},
		{gold: "\n\n\\[ \\boxed{p = -1 \\text{ and } p = \\dfrac{15}{8}} \\]", pred: `$p=-1,p=\frac{15}{8}$`, want: mvYes, rev: mvYes},
		{gold: "$0<f(x)<1$", pred: "$(0,1)$", want: mvYes, rev: mvNo},
		{gold: "$$-793 < a < 10$$", pred: "$$(-793, 10)$$", want: mvYes, rev: mvNo},
		{gold: `\(\boxed{6 \text{ and } 8}\)`, pred: `$\boxed{6,8}$`, want: mvYes, rev: mvYes},
		{gold: "$19, 46, and 82$", pred: `$19, 46, \text{ and } 82$`, want: mvYes, rev: mvYes},
		{gold: "$19, 46, and 82$", pred: "$21, 36, and 82$", want: mvNo, rev: mvNo},
		{gold: `$$\boxed{2}, \boxed{3}, \boxed{5}, \boxed{7}, \boxed{13}$$`, pred: "$${2, 3, 5, 7, 13}$$", want: mvYes, rev: mvYes},
		{gold: "$$a_3 = 2, a_{37} = 19$$", pred: `$$\boxed{a_{37} = 19, \quad a_3 = 2}$$`, want: mvYes, rev: mvYes},
		{gold: `$$x = \frac{1}{2}, x = \frac{-1 \pm \sqrt{13}}{4}$$`, pred: `$$\boxed{x = \frac{1}{2}, x = \frac{-1 \pm \sqrt{13}}{4}}$$`, want: mvYes, rev: mvYes},
		{gold: "$$(5, 8), (8, 5)$$", pred: `$$\boxed{(x, y) = (5, 8) \quad \text{and} \quad (8, 5)}$$`, want: mvYes, rev: mvYes},
		{gold: "$$(3, 3), (1, 1)$$", pred: `$$\boxed{(3, 3)} \text{ for part (a) and } \boxed{(1, 1)}$$`, want: mvYes, rev: mvYes},
		{gold: "$$k = 45, n = 2$$", pred: `$$\boxed{k = 45} \quad \text{and} \quad \boxed{n = 2}$$`, want: mvYes, rev: mvYes},
		{gold: "$${1,2,3}$$", pred: `\boxed{1} and \boxed{2} and \boxed{3}`, want: mvYes, rev: mvYes},
		{gold: `\boxed{1} papers and \boxed{2} bins`, pred: `$\boxed{1,2}$`, want: mvYes, rev: mvYes},
		{gold: `\boxed{1} no no no no no \boxed{2}`, pred: `$\boxed{1,2}$`, want: mvNo, rev: mvNo}, // boxes too far apart: the last one
		{gold: "$$|AB|=1$$", pred: "$$1$$", want: mvYes, rev: mvYes},
		{gold: "$$A:B=1$$", pred: "$$1$$", want: mvYes, rev: mvYes},
		{gold: "$$f(x)=1$$", pred: "$$1$$", want: mvYes, rev: mvYes},
		{gold: `$y_{1}=-2 x^{2}+4 x+3, y_{2}=3 x^{2}+12 x+10$`, pred: `\($y_1 = \boxed{-2(x - 1)^2 + 5} \) and \( y_2 = \boxed{3(x + 2)^2 - 2} \) `, want: mvYes, rev: mvSkip},
		{gold: "$n=1, 2, 3$", pred: "$n=1, 2, 3$", want: mvYes, rev: mvYes},
		{gold: "$n=2, 3, 4$", pred: "$n=1, 2, 3$", want: mvNo, rev: mvNo},
		{gold: "$D = (0, 1)$", pred: "$D = (0, 1.5)$", want: mvNo, rev: mvNo},
		{gold: `$\pm 2021$`, pred: "$2021$", want: mvNo, rev: mvNo},
		{gold: `$\pm 2021$`, pred: "${-2021, 2021}$", want: mvYes, rev: mvYes},
		{gold: `$\text{odd}$`, pred: "$odd$", want: mvYes, rev: mvYes},
		{gold: "$d$", pred: `$\text{E}$`, want: mvNo, rev: mvNo},
		{gold: `$1\leq|z|\leq \frac{3}{2}$`, pred: `$z \in \left[-\frac{3}{2}, -1\right] \cup \left[1, \frac{3}{2}\right]$`, want: mvYes, rev: mvSkip,
			differs: "math-verify solves an inequality in |z| into a union of intervals (sympy's as_set); mirage reads only bounds on a variable as an interval"},
		{gold: `$\frac{NO}{BO}=\frac{1}{\sqrt{6}}$`, pred: `$\frac{1}{\sqrt{6}}$`, want: mvYes, rev: mvYes,
			differs: "NO is the product N·O to math-verify; mirage reads the two-letter word \"no\" as text, so the equation is not math"},
		{gold: "$p=5,q=2;p=7,q=2$", pred: "$(5,2),(7,2)$", want: mvYes, rev: mvSkip,
			differs: "math-verify groups p=5,q=2;p=7,q=2 into two pairs; mirage reads one list of four assignments"},
		// "\quadx" (no space) is \quad, then x, as latex2sympy reads it.
		{gold: `$x_{1}=\frac{1}{2}+\frac{31\sqrt{5}}{216},\quadx_{2}=\frac{1}{2}-\frac{31\sqrt{5}}{216}$`, pred: `$\boxed{\dfrac{108 + 31\sqrt{5}}{216}} \quad \text{and} \quad \boxed{\dfrac{108 - 31\sqrt{5}}{216}}$`, want: mvYes, rev: mvYes},
		{gold: `$x_{1}=10^{\frac{-5+\sqrt{13}}{6}},\quadx_{2}=10^{\frac{-5-\sqrt{13}}{6}}$`, pred: `$\boxed{10^{\frac{\sqrt{13} - 5}{6}}} \quad \text{and} \quad \boxed{10^{-\frac{5 + \sqrt{13}}{6}}}$`, want: mvYes, rev: mvYes},
	},
	// test_sets_handling, test_set_rel_assymetry, test_symbols and the set/tuple cases of
	// test_math_extraction_additional_cases.
	"sets and text": {
		{gold: "$[0,1)$", pred: "$[0,1)$", want: mvYes, rev: mvYes},
		{gold: "$[0,9)$", pred: "$[0,1)$", want: mvNo, rev: mvNo},
		{gold: "$(0,9)$", pred: "$[0,9)$", want: mvNo, rev: mvNo},
		{gold: "$1$", pred: "$-[0,1)$", want: mvNo, rev: mvNo},
		{gold: `$-2 \le x \le 7$`, pred: `$x \in [-2,7]$`, want: mvYes, rev: mvNo}, // a relation in the gold only
		{gold: "$x > 5$", pred: `$(5, \infty)$`, want: mvYes, rev: mvNo},
		{gold: "$(1,3)$", pred: "${1,3}$", want: mvYes, rev: mvYes},
		{gold: "$(3,1)$", pred: "${1,3}$", want: mvNo, rev: mvNo}, // the open interval (3,1) is empty
		{gold: "$(1,3)$", pred: "${3,1}$", want: mvYes, rev: mvYes},
		{gold: `$[-1, -\frac{1}{2}) \cup (-\frac{1}{2}, 0) \cup (0, 1) \cup (1, \infty)$`, pred: `The solution set is $\boxed{[-1, -\tfrac12) \cup (-\tfrac12, 0) \cup (0, 1) \cup (1, \infty)}.$`, want: mvYes, rev: mvYes},
		{gold: `$1 \pm \sqrt{19}$`, pred: `By the quadratic formula, $x = \boxed{1 \pm \sqrt{19}}.$`, want: mvYes, rev: mvYes},
		{gold: `$\\left( \\frac{4}{3}, -\\frac{1}{3} \\right)$`, pred: `Thus, $(t,u) = \boxed{\left( \frac{4}{3}, -\frac{1}{3} \right)}.$`, want: mvYes, rev: mvYes},
		{gold: `$\text{Evelyn}$`, pred: `Therefore, $\boxed{\text{Evelyn}}$ is our answer.`, want: mvYes, rev: mvYes},
		{gold: `$\text{13}$`, pred: "$13$", want: mvNo, rev: mvNo}, // Math-Verify issue 37
		{gold: `$\text{E}$`, pred: "$E$", want: mvYes, rev: mvYes},
		{gold: `\(\boxed{\text{C}}\).`, pred: `$\boxed{\text{(C)}}.$`, want: mvYes, rev: mvYes},
	},
}

// mvVerdictOf grades pred against gold as math-verify's tests do: both through parse (here
// ExtractMathVerify), then verify.
func mvVerdictOf(gold, pred string, round int) mvVerdict {
	opts := Options{MathVerify: true, FloatRounding: round}
	g, _, okG := ExtractMathVerify(gold, opts)
	p, _, okP := ExtractMathVerify(pred, opts)
	if okG && okP && Compare(g, p, opts).Equal {
		return mvYes
	}
	return mvNo
}

// defaultVerdictOf grades the same pair with the default rules: end to end as the math
// grader does (the prediction's answer by Extract, any format), and the default comparison
// alone on the answers math-verify extracts.
func defaultVerdictOf(gold, pred string) (grader, compare mvVerdict) {
	_, g, okG := ExtractMathVerify(gold, Options{})
	p, okP := Extract(pred, ExtractOptions{})
	_, pm, okM := ExtractMathVerify(pred, Options{})
	grader, compare = mvNo, mvNo
	if okG && okP && Check(g.Answer, p.Answer, Options{}).Equal {
		grader = mvYes
	}
	if okG && okM && Check(g.Answer, pm.Answer, Options{}).Equal {
		compare = mvYes
	}
	return grader, compare
}

// TestMathVerifyAgreement checks every case in both orders and reports, per category, how
// many verdicts agree with math-verify's, and how many the default rules would get.
func TestMathVerifyAgreement(t *testing.T) {
	categories := make([]string, 0, len(mvCases))
	for c := range mvCases {
		categories = append(categories, c)
	}
	slices.Sort(categories)
	var report []string
	totalAgree, total, total6, totalGrader, totalCompare := 0, 0, 0, 0, 0
	for _, cat := range categories {
		agree, n, n6, byGrader, byCompare := 0, 0, 0, 0, 0
		for i, c := range mvCases[cat] {
			for _, order := range []struct {
				name       string
				gold, pred string
				want       mvVerdict
			}{{"gold,pred", c.gold, c.pred, c.want}, {"pred,gold", c.pred, c.gold, c.rev}} {
				if order.want == mvSkip {
					continue
				}
				got := mvVerdictOf(order.gold, order.pred, c.round)
				n++
				if c.round == 0 {
					gr, cmp := defaultVerdictOf(order.gold, order.pred)
					n6++
					byGrader += btoi(gr == order.want)
					byCompare += btoi(cmp == order.want)
				}
				switch {
				case c.differs == "" && got == order.want:
					agree++
				case c.differs == "":
					t.Errorf("%s #%d (%s): verify(%q, %q) = %v, math-verify says %v", cat, i, order.name, order.gold, order.pred, got == mvYes, order.want == mvYes)
				case got == order.want:
					t.Errorf("%s #%d (%s): documented difference %q no longer holds: now agrees", cat, i, order.name, c.differs)
				}
			}
		}
		report = append(report, fmt.Sprintf("%s: %d/%d; math grader %d/%d, its comparison alone %d/%d", cat, agree, n, byGrader, n6, byCompare, n6))
		totalAgree, total, total6 = totalAgree+agree, total+n, total6+n6
		totalGrader, totalCompare = totalGrader+byGrader, totalCompare+byCompare
	}
	t.Logf("agreement with math-verify: %d/%d verdicts; at the default rounding the math grader gets %d/%d, "+
		"its comparison on math-verify's extractions %d/%d\n%s",
		totalAgree, total, totalGrader, total6, totalCompare, total6, strings.Join(report, "\n"))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestExtractMathVerify(t *testing.T) {
	cases := []struct {
		name, text string
		want       string
		rule       Rule
	}{
		{"last inline math", `First $x = 2$, then $y = 7$.`, "y = 7", RuleMVLatex},
		{"display dollars", "so $$\n\\frac{1}{2}\n$$", `\frac{1}{2}`, RuleMVLatex},
		{"brackets", `so \[ 3 \] done`, "3", RuleMVLatex},
		{"parentheses", `so \( 4 \) done`, "4", RuleMVLatex},
		{"spaced square brackets", "so [ 5 ] done", "5", RuleMVLatex},
		{"escaped dollar is no delimiter", `it costs \$5 and 6`, "6", RuleMVExpr},
		{"dollar after a digit is no opening", "5$ and 6$", "6", RuleMVExpr},
		{"joined by and", "the roots are $1$, $2$ and $3$.", "1, 2, 3", RuleMVLatex},
		{"boxed beats later latex", `\boxed{5} and then $6$`, "5", RuleMVBoxed},
		{"final answer I hope beats boxed", `The final answer is $7$. I hope it is correct. \boxed{8}`, "7", RuleMVFinalAnswer},
		{"final answer is, later than boxed", `\boxed{8} so the final answer is 9`, "9", RuleMVFinalAnswer},
		{"answer colon beats plain", "Answer: $4$ and later $5$", "4", RuleMVAnswer},
		{"answer after last equals", "The answer: x = 3 + 4 = 7.", "7", RuleMVAnswer},
		{"answer after the last equals", "the answer 12 = 5", "5", RuleMVAnswer},
		{"answer not before equals", "the answer 12 = x", "12", RuleMVExpr},
		{"plain number", "so it is 42", "42", RuleMVExpr},
		{"plain expression", "so it is 3/4, done", "3/4", RuleMVExpr},
		// Spaces are expression characters, so "1+2 3+4" is one candidate, which Python's
		// parse_expr rejects (no implicit products); of the numbers, 3 ends last.
		{"no implicit products in plain expressions", "1+2 3+4", "3", RuleMVExpr},
		{"no implicit products before a bracket", "so 2(3+4)", "2", RuleMVExpr},
		{"thousands", "total 12,345,678 apples", "12345678", RuleMVExpr},
		{"percent", "it is 28 percent", "28", RuleMVExpr},
		{"neighbouring boxes join", `\boxed{1}, \boxed{2}`, "1,2", RuleMVBoxed},
		// An unclosed box runs to the end and does not parse; the bare fraction inside does.
		{"unclosed box", `so \boxed{\frac{1}{2}`, `\frac{1}{2}`, RuleMVLatex},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ex, ok := ExtractMathVerify(c.text, Options{})
			if !ok || ex.Answer != c.want || ex.Rule != c.rule {
				t.Errorf("ExtractMathVerify(%q) = %+v, %v; want {%q %q}", c.text, ex, ok, c.want, c.rule)
			}
		})
	}
	for _, text := range []string{"", "no numbers here", "AZYUK2A", "<answer>5</answer>", `$\frac{$`, `it costs \$5`} {
		if a, ex, ok := ExtractMathVerify(text, Options{}); ok {
			t.Errorf("ExtractMathVerify(%q) = %+v (%v), want nothing", text, ex, a)
		}
	}
}

func TestParseMathVerifyGold(t *testing.T) {
	// verl's math_verify reward parses "\boxed{" + ground_truth + "}": the whole ground truth
	// is the answer, whatever it looks like.
	cases := []struct {
		gold, pred string
		want       bool
	}{
		{`\sqrt{2}`, `so $\sqrt 2$`, true},  // parse() on the bare string would find only "2"
		{"-2,1", `so $\boxed{1,-2}$`, true}, // a list, not the decimal -2.1
		{"x=5", "so $5$", true},
		{`\boxed{7} and \boxed{7}`, "$7$", true},
		{"$x \\in [-2,7]$", "$[-2,7]$", true},
		{"1,22", "1.22", false}, // "1,22" is the list {1, 22} in LaTeX
	}
	for _, c := range cases {
		g := ParseMathVerify(c.gold, Options{})
		p, _, ok := ExtractMathVerify(c.pred, Options{})
		if got := ok && Compare(g, p, Options{MathVerify: true}).Equal; got != c.want {
			t.Errorf("gold %q, pred %q: equal = %v, want %v", c.gold, c.pred, got, c.want)
		}
	}
}

// The default (symmetric) rules are untouched by the mode: a few pairs math-verify accepts
// and they do not.
func TestMathVerifyOnlyUnderOption(t *testing.T) {
	for _, p := range [][2]string{{`\frac{1}{3}`, "0.333333"}, {"0", "a + 3z = 0"}, {"x = 11", "x = 5+5+1 = 11"}, {"x < 1", "-x > -1"}} {
		if Equal(p[0], p[1]) {
			t.Errorf("Equal(%q, %q) = true under the default rules", p[0], p[1])
		}
		if !Check(p[0], p[1], Options{MathVerify: true}).Equal {
			t.Errorf("Check(%q, %q, MathVerify) = false", p[0], p[1])
		}
	}
}

// Fixed bug-to-be: extraction stays linear on texts full of unclosed delimiters and anchors.
func TestExtractMathVerifyAdversarial(t *testing.T) {
	cases := map[string]string{
		"unclosed brackets": strings.Repeat(`\[`, 50000),
		"unclosed parens":   strings.Repeat(`\(`, 50000),
		"dollars":           strings.Repeat("$", 50000),
		"answer words":      strings.Repeat("answer: ", 20000),
		"final answers":     strings.Repeat("final answer ", 20000),
		"long expression":   strings.Repeat("1+", 50000),
		"boxes":             strings.Repeat(`\boxed{`, 50000),
		"spaced digits":     strings.Repeat("1 ", 50000),
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			ExtractMathVerify(text, Options{})
			if d := time.Since(start); d > slow {
				t.Errorf("ExtractMathVerify took %v on %d bytes", d, len(text))
			}
		})
	}
}

func FuzzExtractMathVerify(f *testing.F) {
	for _, cs := range mvCases {
		for _, c := range cs {
			f.Add(c.gold, c.pred)
		}
	}
	f.Fuzz(func(t *testing.T, gold, text string) {
		start := time.Now()
		g := ParseMathVerify(gold, Options{})
		if p, _, ok := ExtractMathVerify(text, Options{}); ok {
			Compare(g, p, Options{MathVerify: true})
		}
		if d := time.Since(start); d > slow {
			t.Errorf("took %v on %q, %q", d, gold, text)
		}
	})
}

// On the MATH-500 sample the mode is consistent with itself and with the default rules'
// equivalences: each gold answer equals itself written in a box or in the Minerva phrase, and
// every rewrite that the default rules accept (math500_test.go) is accepted too.
func TestMathVerifyMATH500(t *testing.T) {
	for _, g := range loadMATH500(t) {
		gold := ParseMathVerify(g, Options{})
		texts := []string{"The answer is $\\boxed{" + g + "}$.", "Final Answer: The final answer is $" + g + "$. I hope it is correct."}
		for _, rw := range rewrites {
			if s, ok := rw.fn(g); ok {
				texts = append(texts, "so $\\boxed{"+s+"}$")
			}
		}
		for _, text := range texts {
			p, ex, ok := ExtractMathVerify(text, Options{})
			if !ok || !Compare(gold, p, Options{MathVerify: true}).Equal {
				t.Errorf("gold %q, completion %q: extracted %q (%v), not equal", g, text, ex.Answer, ok)
			}
		}
	}
}
