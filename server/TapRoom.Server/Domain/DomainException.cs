namespace TapRoom.Server.Domain;

/// <summary>A broken rule. <see cref="Code"/> is stable and snake_case; it becomes the problem details code or the hub error.</summary>
public class DomainException(string code, string message, int statusCode = StatusCodes.Status409Conflict, object? details = null)
    : Exception(message)
{
    public string Code { get; } = code;
    public int StatusCode { get; } = statusCode;
    public object? Details { get; } = details;
}

public sealed class NotFoundException(string what, object id)
    : DomainException("not_found", $"{what} {id} was not found.", StatusCodes.Status404NotFound);

public sealed class ForbiddenException(string message)
    : DomainException("forbidden", message, StatusCodes.Status403Forbidden);
