using System.Globalization;
using System.Text;

namespace Spotable.Testing.FakeKube;

/// <summary>
/// The <c>labelSelector</c> query parameter, parsed like k8s.io/apimachinery/pkg/labels (lexer, grammar, validation):
/// <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>, <c>a&gt;1</c>,
/// <c>a&lt;1</c>, comma = AND. <c>!=</c> and <c>notin</c> also match objects without the label, as in Kubernetes.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements)
    {
        _requirements = requirements;
    }

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    /// <summary>Parses a selector; <see cref="FormatException"/> carries the message the API server would put in its 400.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Everything;
        }

        return new LabelSelector(new Parser(Lex(text)).ParseAll());
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.TrueForAll(r => r.Matches(labels));

    private enum TokenKind
    {
        EndOfString,
        Identifier,
        In,
        NotIn,
        Equals,
        DoubleEquals,
        NotEquals,
        DoesNotExist,
        GreaterThan,
        LessThan,
        OpenParen,
        CloseParen,
        Comma,
    }

    private enum Operator
    {
        Exists,
        DoesNotExist,
        Equals,
        NotEquals,
        In,
        NotIn,
        GreaterThan,
        LessThan,
    }

    private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

    private static List<(TokenKind Kind, string Text)> Lex(string text)
    {
        var tokens = new List<(TokenKind, string)>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (IsSpecial(c))
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
                (TokenKind, string) token = two switch
                {
                    "==" => (TokenKind.DoubleEquals, two),
                    "!=" => (TokenKind.NotEquals, two),
                    _ => c switch
                    {
                        '=' => (TokenKind.Equals, "="),
                        '!' => (TokenKind.DoesNotExist, "!"),
                        '(' => (TokenKind.OpenParen, "("),
                        ')' => (TokenKind.CloseParen, ")"),
                        ',' => (TokenKind.Comma, ","),
                        '>' => (TokenKind.GreaterThan, ">"),
                        _ => (TokenKind.LessThan, "<"),
                    },
                };
                tokens.Add(token);
                i += token.Item2.Length;
                continue;
            }

            var word = new StringBuilder();
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && !IsSpecial(text[i]))
            {
                word.Append(text[i++]);
            }

            var literal = word.ToString();
            tokens.Add(literal switch
            {
                "in" => (TokenKind.In, literal),
                "notin" => (TokenKind.NotIn, literal),
                _ => (TokenKind.Identifier, literal),
            });
        }

        tokens.Add((TokenKind.EndOfString, string.Empty));
        return tokens;
    }

    private static FormatException Error(string detail) => new("unable to parse requirement: " + detail);

    private static string Describe((TokenKind Kind, string Text) token) =>
        token.Kind == TokenKind.EndOfString ? "end of string" : token.Text;

    private sealed class Parser(List<(TokenKind Kind, string Text)> tokens)
    {
        private int _position;

        public List<Requirement> ParseAll()
        {
            var requirements = new List<Requirement>();
            while (true)
            {
                var next = Peek();
                if (next.Kind == TokenKind.EndOfString && requirements.Count == 0)
                {
                    return requirements;
                }

                if (next.Kind is not (TokenKind.Identifier or TokenKind.DoesNotExist))
                {
                    throw new FormatException($"found '{Describe(next)}', expected: !, identifier, or 'end of string'");
                }

                requirements.Add(ParseRequirement());
                var after = Take();
                if (after.Kind == TokenKind.EndOfString)
                {
                    return requirements;
                }

                if (after.Kind != TokenKind.Comma)
                {
                    throw new FormatException($"found '{Describe(after)}', expected: ',' or 'end of string'");
                }

                if (Peek().Kind is not (TokenKind.Identifier or TokenKind.DoesNotExist))
                {
                    throw new FormatException($"found '{Describe(Peek())}', expected: identifier after ','");
                }
            }
        }

        private Requirement ParseRequirement()
        {
            var first = Take();
            if (first.Kind == TokenKind.DoesNotExist)
            {
                var key = Take();
                if (key.Kind != TokenKind.Identifier)
                {
                    throw Error($"found '{Describe(key)}', expected: identifier");
                }

                return Requirement.Create(key.Text, Operator.DoesNotExist, []);
            }

            var next = Peek();
            if (next.Kind is TokenKind.EndOfString or TokenKind.Comma)
            {
                return Requirement.Create(first.Text, Operator.Exists, []);
            }

            var op = Take();
            var @operator = op.Kind switch
            {
                TokenKind.Equals or TokenKind.DoubleEquals => Operator.Equals,
                TokenKind.NotEquals => Operator.NotEquals,
                TokenKind.In => Operator.In,
                TokenKind.NotIn => Operator.NotIn,
                TokenKind.GreaterThan => Operator.GreaterThan,
                TokenKind.LessThan => Operator.LessThan,
                _ => throw Error($"found '{Describe(op)}', expected: in, notin, =, ==, !=, gt, lt"),
            };

            var values = @operator is Operator.In or Operator.NotIn ? ParseSet() : [ParseExactValue()];
            return Requirement.Create(first.Text, @operator, values);
        }

        private string ParseExactValue()
        {
            var next = Peek();
            if (next.Kind is TokenKind.EndOfString or TokenKind.Comma)
            {
                return string.Empty;
            }

            var value = Take();

            // "in" and "notin" are ordinary values after an equality operator.
            if (value.Kind is TokenKind.Identifier or TokenKind.In or TokenKind.NotIn)
            {
                return value.Text;
            }

            throw Error($"found '{Describe(value)}', expected: identifier");
        }

        private List<string> ParseSet()
        {
            var open = Take();
            if (open.Kind != TokenKind.OpenParen)
            {
                throw Error($"found '{Describe(open)}', expected: '('");
            }

            var values = new List<string>();
            var expectValue = true;
            while (true)
            {
                var token = Take();
                switch (token.Kind)
                {
                    case TokenKind.Identifier or TokenKind.In or TokenKind.NotIn when expectValue:
                        values.Add(token.Text);
                        expectValue = false;
                        break;
                    case TokenKind.Comma:
                        if (expectValue)
                        {
                            values.Add(string.Empty);
                        }

                        expectValue = true;
                        break;
                    case TokenKind.CloseParen:
                        if (expectValue)
                        {
                            // "()" and a trailing comma both mean the empty value, as in apimachinery.
                            values.Add(string.Empty);
                        }

                        return values;
                    default:
                        throw Error($"found '{Describe(token)}', expected: ',', ')' or identifier");
                }
            }
        }

        private (TokenKind Kind, string Text) Peek() => tokens[_position];

        private (TokenKind Kind, string Text) Take()
        {
            var token = tokens[_position];
            if (token.Kind != TokenKind.EndOfString)
            {
                _position++;
            }

            return token;
        }
    }

    private sealed record Requirement(string Key, Operator Operator, IReadOnlyList<string> Values)
    {
        public static Requirement Create(string key, Operator op, List<string> values)
        {
            var keyErrors = KubeValidation.QualifiedNameErrors(key);
            if (keyErrors.Count > 0)
            {
                throw Error($"key: Invalid value: \"{key}\": {keyErrors[0]}");
            }

            if (op is Operator.GreaterThan or Operator.LessThan
                && (values.Count != 1 || !long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
            {
                throw Error($"values: Invalid value: \"{string.Join(",", values)}\": for 'Gt', 'Lt' operators, the value must be an integer");
            }

            foreach (var value in values)
            {
                var valueErrors = KubeValidation.LabelValueErrors(value);
                if (valueErrors.Count > 0)
                {
                    throw Error($"values[0][{key}]: Invalid value: \"{value}\": {valueErrors[0]}");
                }
            }

            return new Requirement(key, op, values);
        }

        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var actual);
            return Operator switch
            {
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                Operator.Equals or Operator.In => has && Values.Contains(actual!, StringComparer.Ordinal),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(actual!, StringComparer.Ordinal),
                Operator.GreaterThan => has && long.TryParse(actual, CultureInfo.InvariantCulture, out var g) && g > Parse(Values[0]),
                Operator.LessThan => has && long.TryParse(actual, CultureInfo.InvariantCulture, out var l) && l < Parse(Values[0]),
                _ => false,
            };
        }

        private static long Parse(string value) => long.Parse(value, CultureInfo.InvariantCulture);
    }
}
