using Spotable.Launcher.Options;

namespace Spotable.Launcher;

/// <summary>Writes a config file from a template, atomically (temp file + rename) so a game never reads half a file.</summary>
internal static class TemplateRenderer
{
    public static void Render(RenderRequest request, IReadOnlyList<PortRequest> declared, IReadOnlyDictionary<string, int> ports, IReadOnlyDictionary<string, string> values)
    {
        var template = File.ReadAllText(request.Source);
        Placeholders.Validate(template, declared, $"template '{request.Source}'");
        var directory = Path.GetDirectoryName(Path.GetFullPath(request.Destination))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(request.Destination)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, Placeholders.Apply(template, ports, values));
        File.Move(temporary, request.Destination, overwrite: true);
    }
}
