using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>Every error is RFC 9457 problem details with a stable <c>code</c> and a <c>type</c> derived from it.</summary>
public static class ProblemDetailsSetup
{
    public static string TypeFor(string code) => $"urn:taproom:problem:{code}";

    public static IServiceCollection AddTapRoomProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var pd = ctx.ProblemDetails;
            if (!pd.Extensions.ContainsKey("code"))
            {
                var code = CodeForStatus(pd.Status ?? ctx.HttpContext.Response.StatusCode);
                pd.Extensions["code"] = code;
                pd.Type = TypeFor(code);
            }
            // The route, not the path: an answer never echoes the ids it was asked about (a venue's refusal tells nothing).
            var endpoint = ctx.HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint ?? ctx.HttpContext.GetEndpoint();
            pd.Instance ??= endpoint is RouteEndpoint { RoutePattern.RawText: { } pattern } ? "/" + pattern.TrimStart('/') : ctx.HttpContext.Request.Path.Value;
            pd.Extensions["traceId"] = ctx.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity?.Id ?? ctx.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<TapRoomExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    public static string CodeForStatus(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        _ => status >= 500 ? "server_error" : "error",
    };
}

public sealed class TapRoomExceptionHandler(IProblemDetailsService problems, ILogger<TapRoomExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, title, detail, extra) = Map(exception);
        if (status >= 500) log.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);

        var pd = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = ProblemDetailsSetup.TypeFor(code),
        };
        pd.Extensions["code"] = code;
        if (extra is not null) foreach (var (k, v) in extra) pd.Extensions[k] = v;
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = pd, Exception = exception });
    }

    private static (int Status, string Code, string Title, string Detail, Dictionary<string, object?>? Extra) Map(Exception ex) => ex switch
    {
        DomainException d => (d.StatusCode, d.Code, Titles.For(d.Code), d.Message,
            d.Details is null ? null : new Dictionary<string, object?> { ["details"] = d.Details }),
        RequestValidationException v => (400, "validation_failed", "The request is not valid.", "One or more fields are not valid.",
            new Dictionary<string, object?> { ["errors"] = v.Errors }),
        BadHttpRequestException b when b.InnerException is JsonException || b.Message.Contains("JSON", StringComparison.OrdinalIgnoreCase) =>
            (400, "malformed_json", "The request body is not valid JSON for this operation.", b.InnerException?.Message ?? b.Message, null),
        BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "payload_too_large" : "bad_request", "The request is not valid.", b.Message, null),
        JsonException j => (400, "malformed_json", "The request body is not valid JSON for this operation.", j.Message, null),
        _ when DatabaseErrors.IsConstraintViolation(ex) || DatabaseErrors.IsSerializationConflict(ex) =>
            (409, "conflict", "The change conflicts with another one.", "Another change got there first; reload and try again.", null),
        _ => (500, "server_error", "Something went wrong on the server.", "The error was logged.", null),
    };
}

internal static class Titles
{
    public static string For(string code) => code switch
    {
        "not_found" => "Not found.",
        "forbidden" => "Not allowed for your role.",
        _ => System.Globalization.CultureInfo.InvariantCulture.TextInfo.ToTitleCase(code.Replace('_', ' ')) + ".",
    };
}
