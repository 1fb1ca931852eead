using System.Text;

namespace Spotable.Testing.FakeKube;

/// <summary>
/// The <c>fieldSelector</c> query parameter, parsed like k8s.io/apimachinery/pkg/fields: terms <c>f=v</c>, <c>f==v</c>,
/// <c>f!=v</c>, comma = AND, backslash escapes for <c>\,</c> <c>\=</c> <c>\\</c>. Each resource supports a fixed
/// set of fields; any other is a 400 "field label not supported" (ConvertFieldLabel in the API server).
/// </summary>
internal sealed class FieldSelector
{
    private static readonly string[] Operators = ["!=", "==", "="];

    private readonly List<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string Field, bool Equal, string Value)> terms)
    {
        _terms = terms;
    }

    public bool IsEmpty => _terms.Count == 0;

    /// <summary>
    /// Parses <paramref name="text"/>; <paramref name="aliases"/> maps legacy labels (spec.host) to their field.
    /// Throws <see cref="FormatException"/> with the API server's message.
    /// </summary>
    public static FieldSelector Parse(string? text, IReadOnlySet<string> supported, IReadOnlyDictionary<string, string>? aliases = null)
    {
        var terms = new List<(string, bool, string)>();
        if (string.IsNullOrEmpty(text))
        {
            return new FieldSelector(terms);
        }

        foreach (var term in SplitTerms(text))
        {
            if (term.Length == 0)
            {
                continue;
            }

            var (field, op, rawValue) = SplitTerm(term)
                ?? throw new FormatException($"invalid selector: '{text}'; can't understand '{term}'");
            var value = Unescape(rawValue);
            if (aliases is not null && aliases.TryGetValue(field, out var real))
            {
                field = real;
            }

            if (!supported.Contains(field))
            {
                throw new FormatException($"field label not supported: {field}");
            }

            terms.Add((field, op != "!=", value));
        }

        return new FieldSelector(terms);
    }

    public bool Matches(Func<string, string> fieldValue) =>
        _terms.TrueForAll(t => string.Equals(fieldValue(t.Field), t.Value, StringComparison.Ordinal) == t.Equal);

    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var start = 0;
        var escaped = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (escaped)
            {
                escaped = false;
            }
            else if (text[i] == '\\')
            {
                escaped = true;
            }
            else if (text[i] == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }

        terms.Add(text[start..]);
        return terms;
    }

    private static (string Field, string Op, string Value)? SplitTerm(string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            foreach (var op in Operators)
            {
                if (term.AsSpan(i).StartsWith(op, StringComparison.Ordinal))
                {
                    return (term[..i], op, term[(i + op.Length)..]);
                }
            }
        }

        return null;
    }

    private static string Unescape(string value)
    {
        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] is '=' or ',')
            {
                // UnescapedRune in apimachinery: these must be escaped inside a value.
                throw new FormatException($"invalid field selector: unescaped character '{value[i]}' in value: {value}");
            }

            if (value[i] != '\\')
            {
                result.Append(value[i]);
                continue;
            }

            if (i + 1 >= value.Length || value[i + 1] is not ('\\' or ',' or '='))
            {
                throw new FormatException($"invalid field selector: invalid escape sequence: {value}");
            }

            result.Append(value[++i]);
        }

        return result.ToString();
    }
}
