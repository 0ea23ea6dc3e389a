using MediatR;

namespace TapRoom.Server.Infrastructure;

/// <summary>A request that changes state: it runs in one transaction with its audit events.</summary>
public interface ICommand<out TResult> : IRequest<TResult>, ICommandMarker;

public interface ICommandMarker;

/// <summary>A read-only request.</summary>
public interface IQuery<out TResult> : IRequest<TResult>;

/// <summary>A command whose domain refusals are not audited as rejections (hot paths that audit their own denies).</summary>
public interface INoRejectionAudit;

public sealed record Done
{
    public static readonly Done Value = new();
}

/// <summary>A command a controller sends: it works at the controller's venue (policies, audit).</summary>
public interface IControllerRequest
{
    Guid ControllerId { get; }
}

/// <summary>Sets the scope's venue to the sending controller's, read from memory (<see cref="VenueDirectory"/>).</summary>
public sealed class ControllerVenueBehavior<TRequest, TResponse>(LocationContext location, VenueDirectory venues)
    : IPipelineBehavior<TRequest, TResponse> where TRequest : IControllerRequest
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken ct, RequestHandlerDelegate<TResponse> next)
    {
        var venue = await venues.ControllerLocationAsync(request.ControllerId, ct);
        if (venue != Guid.Empty) location.Use(venue);
        return await next();
    }
}
