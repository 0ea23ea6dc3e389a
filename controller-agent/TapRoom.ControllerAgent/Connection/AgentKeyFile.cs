namespace TapRoom.ControllerAgent.Connection;

/// <summary>
/// The key a paired controller got from the server, kept in its data directory (<c>api-key</c>) readable by its own
/// user only (mode 600), so a restart connects without pairing again.
/// </summary>
public static class AgentKeyFile
{
    public const string FileName = "api-key";

    public static string PathIn(string dataDirectory) => Path.Combine(Path.GetFullPath(dataDirectory), FileName);

    public static string? Read(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        if (!File.Exists(path)) return null;
        var key = File.ReadAllText(path).Trim();
        return key.Length == 0 ? null : key;
    }

    /// <summary>Written to a file created with mode 600 and then renamed over the old one, so no reader ever sees half a key.</summary>
    public static void Write(string dataDirectory, string key)
    {
        var path = PathIn(dataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public static void Delete(string dataDirectory) => File.Delete(PathIn(dataDirectory));
}
