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
