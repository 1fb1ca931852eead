using System.Text.RegularExpressions;

namespace Spotable.Launcher.Options;

/// <summary>
/// <c>{port:NAME}</c> in the game's arguments and rendered files becomes the allocated port number.
/// <c>{public_host}</c>, <c>{public_ip}</c> and <c>{server_id}</c> are also known. Other braces are left alone,
/// so JSON or Lua config templates need no escaping.
/// </summary>
internal static partial class Placeholders
{
    [GeneratedRegex(@"\{port:([^{}\s]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PortPattern();

    public static void Validate(string text, IReadOnlyList<PortRequest> ports, string where)
    {
        foreach (Match match in PortPattern().Matches(text))
        {
            var name = match.Groups[1].Value.ToLowerInvariant();
            if (!ports.Any(p => p.Name == name))
            {
                throw new OptionsException($"{where} uses {match.Value} but no port '{match.Groups[1].Value}' is declared (add --port {match.Groups[1].Value})");
            }
        }
    }

    public static string Apply(string text, IReadOnlyDictionary<string, int> ports, IReadOnlyDictionary<string, string> values)
    {
        var result = PortPattern().Replace(text, match =>
            ports.TryGetValue(match.Groups[1].Value.ToLowerInvariant(), out var port)
                ? port.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : match.Value);
        foreach (var (key, value) in values)
        {
            result = result.Replace("{" + key + "}", value, StringComparison.Ordinal);
        }

        return result;
    }
}
