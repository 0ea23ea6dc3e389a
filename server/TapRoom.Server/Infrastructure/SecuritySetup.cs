using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace TapRoom.Server.Infrastructure;

/// <summary>Reverse proxies whose <c>X-Forwarded-For</c>/<c>-Proto</c>/<c>-Host</c> are believed (TapRoom:ReverseProxy).</summary>
public sealed class ReverseProxyOptions
{
    /// <summary>Addresses of the proxies in front of TapRoom, e.g. <c>127.0.0.1</c>. Empty: forwarded headers are ignored.</summary>
    public List<string> KnownProxies { get; set; } = [];
    /// <summary>Networks of such proxies in CIDR notation, e.g. <c>10.0.0.0/24</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];
}

public sealed class OpenApiDocumentOptions
{
    /// <summary>Serve /openapi/v1.json without signing in (default: signed-in staff only).</summary>
    public bool AllowAnonymous { get; set; }
}

/// <summary>
/// The HTTP-level protections (docs/SECURITY.md): forwarded headers from configured proxies only, security headers on
/// every response, and the cross-site request rule for /api and /hubs. Each is one middleware for every route.
/// </summary>
public static class SecuritySetup
{
    /// <summary>First in the pipeline: the scheme, client address and host as the configured proxy saw them (so the cookie is Secure behind TLS termination).</summary>
    public static WebApplication UseTapRoomForwardedHeaders(this WebApplication app, ReverseProxyOptions proxies)
    {
        if (proxies.KnownProxies.Count == 0 && proxies.KnownNetworks.Count == 0) return app;
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
        };
        // The defaults trust loopback; only what is configured counts.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var p in proxies.KnownProxies) options.KnownProxies.Add(IPAddress.Parse(p));
        foreach (var n in proxies.KnownNetworks) options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(n));
        app.UseForwardedHeaders(options);
        return app;
    }

    public static WebApplication UseTapRoomSecurityHeaders(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            http.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy(http);
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Permissions-Policy"] = PermissionsPolicy;
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Cross-Origin-Resource-Policy"] = "same-origin";
                if (http.Request.IsHttps) headers.StrictTransportSecurity = "max-age=31536000";
                return Task.CompletedTask;
            }, http);
            return next(http);
        });
        return app;
    }

    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()";

    /// <summary>
    /// Same origin only: no inline or eval'd script, no inline styles, no plugins, not framed, forms post only here.
    /// connect-src names the WebSocket origin explicitly for browsers where 'self' does not cover ws:/wss:. HTML the API
    /// renders itself (the printable shift report) brings its own stylesheet and one print button, allowed by hash.
    /// </summary>
    private static string ContentSecurityPolicy(HttpContext http)
    {
        var ws = (http.Request.IsHttps ? "wss://" : "ws://") + http.Request.Host.Value;
        var apiHtml = http.Request.Path.StartsWithSegments("/api")
            && (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) ?? false);
        var script = apiHtml ? "script-src 'self' 'unsafe-hashes' 'sha256-MguIPR6qNR8D3B+eAlK+bIRTZe8t3wkOY4B/56Me9FU='" : "script-src 'self'";
        var style = apiHtml ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'";
        return $"default-src 'self'; {script}; {style}; img-src 'self' data:; font-src 'self'; connect-src 'self' {ws}; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    /// <summary>
    /// Cross-site request forgery (docs/adr/0028): every POST, PUT, PATCH and DELETE under /api must be
    /// <c>Content-Type: application/json</c>, with or without a body. A cross-site form can only send form or text/plain
    /// bodies, and a cross-site script cannot set application/json without a CORS preflight, which TapRoom never
    /// answers. On /hubs, a browser's <c>Origin</c> must be this server's own (WebSocket handshakes skip CORS).
    /// </summary>
    public static WebApplication UseTapRoomCrossSiteRequestGuard(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var request = http.Request;
            if (request.Path.StartsWithSegments("/api") && IsUnsafe(request.Method) && !IsJson(request.ContentType))
            {
                await RefuseAsync(http, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "The request must be JSON.",
                    $"{request.Method} requests to /api must have Content-Type: application/json (send {{}} when there is nothing to say).");
                return;
            }
            if (request.Path.StartsWithSegments("/hubs") && request.Headers.Origin is { Count: > 0 } origin && !IsSameOrigin(request, origin.ToString()))
            {
                await RefuseAsync(http, StatusCodes.Status403Forbidden, "cross_origin", "Cross-origin hub connections are refused.",
                    "A browser may connect to the hubs only from a page served by this server.");
                return;
            }
            await next(http);
        });
        return app;
    }

    private static bool IsUnsafe(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static bool IsSameOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static async Task RefuseAsync(HttpContext http, int status, string code, string title, string detail)
    {
        http.Response.StatusCode = status;
        var pd = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = ProblemDetailsSetup.TypeFor(code) };
        pd.Extensions["code"] = code;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = pd });
    }

    /// <summary>The REST body rules the hub already has: numbers are numbers (never "5"), no duplicate properties, no control characters.</summary>
    public static void ConfigureStrictJson(JsonSerializerOptions options)
    {
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowDuplicateProperties = false;
        options.Converters.Insert(0, new NoControlCharactersConverter());
    }
}

/// <summary>
/// Refuses text with control characters (C0, DEL, C1) anywhere in a REST body, except tab and line breaks, which
/// multi-line comments need; single-line fields (names) refuse line breaks too (<see cref="TextRules.SingleLine{T}"/>).
/// </summary>
public sealed class NoControlCharactersConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        if (value is null) return null;
        foreach (var c in value)
        {
            if (char.IsControl(c) && c is not '\t' and not '\n' and not '\r')
                throw new JsonException($"Text must not contain control characters (found U+{(int)c:X4}).");
        }
        return value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
