using Microsoft.Extensions.Options;

namespace TapRoom.Server.Features.Pos;

/// <summary>Configuration section <c>TapRoom:Pos</c>.</summary>
public sealed class PosOptions
{
    public const string Section = "TapRoom:Pos";
    public static readonly string[] Modes = ["noop", "log", "manual", "webhook"];

    /// <summary><c>noop</c> (default), <c>log</c>, <c>manual</c> or <c>webhook</c>.</summary>
    public string Mode { get; set; } = "noop";
    public string? WebhookUrl { get; set; }
    /// <summary>Key of the HMAC-SHA256 signature; never logged.</summary>
    public string? WebhookSecret { get; set; }
    public int TimeoutSeconds { get; set; } = 5;
    /// <summary>Attempts before an entry is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 8;
    /// <summary>
    /// Entries delivered at most by one run of the delivery job (every <c>TapRoom:Jobs:PosOutboxSeconds</c>): 1,000 every
    /// 5 s keeps up with 200 money movements a second; a run still going when the next is due makes that one skip.
    /// </summary>
    public int BatchSize { get; set; } = 1000;
    public int RetryBaseSeconds { get; set; } = 5;
    public int RetryMaxSeconds { get; set; } = 3600;
    /// <summary>
    /// How long a claimed entry is kept from other runs. An entry whose result was never recorded (the server stopped
    /// during delivery) is due again after it, and is redelivered with the same idempotency key.
    /// </summary>
    public int LeaseSeconds { get; set; } = 60;

    public string NormalizedMode => Mode.Trim().ToLowerInvariant();
}

public sealed class PosOptionsValidator : IValidateOptions<PosOptions>
{
    public ValidateOptionsResult Validate(string? name, PosOptions o)
    {
        var errors = new List<string>();
        if (!PosOptions.Modes.Contains(o.NormalizedMode))
            errors.Add($"TapRoom:Pos:Mode must be one of {string.Join(", ", PosOptions.Modes)}.");
        if (o.NormalizedMode == "webhook")
        {
            if (!Uri.TryCreate(o.WebhookUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                errors.Add("TapRoom:Pos:WebhookUrl must be an absolute http or https URL in webhook mode.");
            if (string.IsNullOrEmpty(o.WebhookSecret) || o.WebhookSecret.Length < 16)
                errors.Add("TapRoom:Pos:WebhookSecret must hold at least 16 characters in webhook mode.");
        }
        if (o.TimeoutSeconds is < 1 or > 120) errors.Add("TapRoom:Pos:TimeoutSeconds must be 1..120.");
        if (o.MaxAttempts is < 1 or > 100) errors.Add("TapRoom:Pos:MaxAttempts must be 1..100.");
        if (o.BatchSize is < 1 or > 10_000) errors.Add("TapRoom:Pos:BatchSize must be 1..10000.");
        if (o.RetryBaseSeconds < 1 || o.RetryMaxSeconds < o.RetryBaseSeconds)
            errors.Add("TapRoom:Pos:RetryBaseSeconds must be at least 1 and RetryMaxSeconds at least the base.");
        if (o.LeaseSeconds <= o.TimeoutSeconds)
            errors.Add("TapRoom:Pos:LeaseSeconds must be longer than TimeoutSeconds, so that a slow delivery keeps its claim.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
