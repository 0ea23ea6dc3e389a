using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;

namespace TapRoom.LoadDriver;

/// <summary>
/// Names an error answered to a controller by its hub call and code, e.g. <c>Authorize: server_error</c>. The server's
/// HubErrorFilter answers <c>code: message</c> (<c>server_error: The error was logged.</c>, <c>validation_failed: …</c>);
/// the SignalR client wraps it as <c>An unexpected error occurred invoking 'Authorize' on the server. HubException: code: …</c>.
/// A call that failed without an answer (the link, a timeout) is named by its exception's type.
/// </summary>
public static partial class HubErrors
{
    public static string Key(string method, Exception ex) =>
        $"{method}: {(ex is HubException hub ? Code(hub.Message) : ex.GetType().Name)}";

    /// <summary>The code of an error message (<c>server_error</c>), or <c>unknown</c>.</summary>
    public static string Code(string? message)
    {
        if (string.IsNullOrEmpty(message)) return "unknown";
        var at = message.LastIndexOf("HubException: ", StringComparison.Ordinal);
        var text = at >= 0 ? message[(at + "HubException: ".Length)..] : message;
        var match = CodePattern().Match(text);
        return match.Success ? match.Groups[1].Value : "unknown";
    }

    [GeneratedRegex(@"^\s*([a-z][a-z0-9_]*)\s*:")]
    private static partial Regex CodePattern();
}
