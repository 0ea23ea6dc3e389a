using Microsoft.Extensions.DependencyInjection;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>The pipeline: validation, one transaction with the audit events, refusals rolled back and audited, events after commit.</summary>
public sealed class PipelineTests
{
    public static class WriteThenRefuse
    {
        public sealed record Command(string Name, bool Refuse) : ICommand<Done>;

        public sealed class Validator : AbstractValidator<Command>
        {
            public Validator() => RuleFor(x => x.Name).NotEmpty().MaximumLength(10);
        }

        public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, TimeProvider time) : IRequestHandler<Command, Done>
        {
            public async Task<Done> Handle(Command request, CancellationToken cancellationToken)
            {
                var beer = new BeerType { Id = Guid.NewGuid(), Name = request.Name, PricePerLiter = 8m, CreatedAt = time.GetUtcNow().UtcDateTime };
                db.BeerTypes.Add(beer);
                audit.Record("beer_type.created", "beer_type", beer.Id);
                await db.SaveChangesAsync(cancellationToken); // even saved changes roll back with the transaction
                events.Add(new Happened(beer.Id));
                if (request.Refuse) throw new DomainException("refused_for_test", "Refused on purpose.");
                return Done.Value;
            }
        }
    }

    /// <summary>Records audit events and inserts them with one statement (AuditTrail.SaveRecordedAsync), then maybe refuses.</summary>
    public static class RecordInOneStatement
    {
        public sealed record Command(IReadOnlyList<Guid> Subjects, bool Refuse) : ICommand<Done>;

        public sealed class Handler(AuditTrail audit) : IRequestHandler<Command, Done>
        {
            public async Task<Done> Handle(Command request, CancellationToken cancellationToken)
            {
                foreach (var id in request.Subjects) audit.Record("test.recorded", "test", id, new { id });
                await audit.SaveRecordedAsync(cancellationToken);
                if (request.Refuse) throw new DomainException("refused_for_test", "Refused on purpose.");
                return Done.Value;
            }
        }
    }

    /// <summary>Raises the notifications it is given, in that order, and writes nothing.</summary>
    public static class Raise
    {
        public sealed record Command(IReadOnlyList<Guid> Ids) : ICommand<Done>;

        public sealed class Handler(DomainEvents events) : IRequestHandler<Command, Done>
        {
            public Task<Done> Handle(Command request, CancellationToken cancellationToken)
            {
                foreach (var id in request.Ids) events.Add(new Happened(id));
                return Task.FromResult(Done.Value);
            }
        }
    }

    public sealed record Happened(Guid Id) : INotification;

    public sealed class Recorder
    {
        public List<Guid> Seen { get; } = [];
    }

    public sealed class HappenedHandler(Recorder recorder) : INotificationHandler<Happened>
    {
        public Task Handle(Happened notification, CancellationToken cancellationToken)
        {
            lock (recorder.Seen) recorder.Seen.Add(notification.Id);
            return Task.CompletedTask;
        }
    }

    private static Task<TapRoomHost> StartAsync(Recorder recorder) => TapRoomHost.StartAsync(configure: b =>
    {
        b.Services.AddScoped<IRequestHandler<WriteThenRefuse.Command, Done>, WriteThenRefuse.Handler>();
        b.Services.AddScoped<IValidator<WriteThenRefuse.Command>, WriteThenRefuse.Validator>();
        b.Services.AddScoped<IRequestHandler<Raise.Command, Done>, Raise.Handler>();
        b.Services.AddScoped<IRequestHandler<RecordInOneStatement.Command, Done>, RecordInOneStatement.Handler>();
        b.Services.AddScoped<INotificationHandler<Happened>, HappenedHandler>();
        b.Services.AddSingleton(recorder);
    });

    [Fact]
    public async Task A_command_runs_through_every_behaviour_and_a_query_or_a_progress_report_only_through_logging_and_validation()
    {
        await using var host = await StartAsync(new Recorder());
        using var scope = host.Services.CreateScope();
        string[] Pipeline<TRequest, TResponse>() => scope.ServiceProvider.GetServices<IPipelineBehavior<TRequest, TResponse>>()
            .Select(b => b.GetType().Name.Split('`')[0]).ToArray();

        // A controller's command also works at the controller's venue.
        Assert.Equal(["LoggingBehavior", "PourLatencyBehavior", "ValidationBehavior", "ControllerVenueBehavior", "ConcurrencyRetryBehavior", "TransactionBehavior"],
            Pipeline<Features.Pours.AuthorizePour.Command, AuthorizeResult>());
        Assert.Equal(["LoggingBehavior", "PourLatencyBehavior", "ValidationBehavior", "ConcurrencyRetryBehavior", "TransactionBehavior"],
            Pipeline<WriteThenRefuse.Command, Done>());
        // No transaction behaviour means no DbContext built for each of the ~3,000 progress reports a second at the target load.
        Assert.Equal(["LoggingBehavior", "ValidationBehavior"], Pipeline<Features.Pours.ReportPourProgress.Request, bool>());
        Assert.Equal(["LoggingBehavior", "ValidationBehavior"], Pipeline<Features.Pours.SweepLockTimeouts.Command, Features.Pours.SweepLockTimeouts.Result>());
    }

    [Fact]
    public async Task A_command_commits_its_change_with_its_audit_event_and_publishes_after_commit()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder);
        await host.SendAsync(new WriteThenRefuse.Command("Pils", Refuse: false));

        var beer = await host.DbAsync(db => db.BeerTypes.SingleAsync(b => b.Name == "Pils"));
        var audit = await host.DbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == "beer_type.created"));
        Assert.Equal(beer.Id, audit.SubjectId);
        Assert.Equal("system", audit.ActorType);
        Assert.Equal([beer.Id], recorder.Seen);
    }

    [Fact]
    public async Task A_refused_command_leaves_nothing_but_the_audit_of_its_refusal_and_publishes_nothing()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder);
        var actor = new Actor(ActorKind.Staff, Guid.NewGuid(), "Tess", StaffRole.Staff);

        var ex = await Assert.ThrowsAsync<DomainException>(() => host.SendAsync(new WriteThenRefuse.Command("Stout", Refuse: true), actor));
        Assert.Equal("refused_for_test", ex.Code);

        Assert.False(await host.DbAsync(db => db.BeerTypes.AnyAsync(b => b.Name == "Stout")));
        Assert.False(await host.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == "beer_type.created")));
        var rejected = await host.DbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == "write_then_refuse.rejected"));
        Assert.Equal("Tess", rejected.ActorName);
        Assert.Contains("refused_for_test", rejected.DetailsJson);
        Assert.Empty(recorder.Seen);
    }

    [Fact]
    public async Task Invalid_input_is_refused_before_the_handler_runs()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder);
        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => host.SendAsync(new WriteThenRefuse.Command("", Refuse: false)));
        Assert.True(ex.Errors.ContainsKey("name"));
        Assert.False(await host.DbAsync(db => db.BeerTypes.AnyAsync()));
        Assert.False(await host.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action.StartsWith("write_then_refuse"))));
    }

    [Fact]
    public async Task Concurrent_commands_are_serialised_and_all_commit()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder);
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() => host.SendAsync(new WriteThenRefuse.Command($"Beer {i}", Refuse: i % 3 == 0)).ContinueWith(_ => { }))));
        Assert.Equal(20, await host.DbAsync(db => db.BeerTypes.CountAsync()));
        Assert.Equal(20, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "beer_type.created")));
        Assert.Equal(10, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "write_then_refuse.rejected")));
        Assert.Equal(20, recorder.Seen.Count);
    }

    [Fact]
    public async Task Audit_events_inserted_in_one_statement_commit_with_their_command_and_roll_back_with_it()
    {
        await using var host = await StartAsync(new Recorder());
        Guid[] kept = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()], refused = [Guid.NewGuid(), Guid.NewGuid()];

        await host.SendAsync(new RecordInOneStatement.Command(kept, Refuse: false));
        var ex = await Assert.ThrowsAsync<DomainException>(() => host.SendAsync(new RecordInOneStatement.Command(refused, Refuse: true)));
        Assert.Equal("refused_for_test", ex.Code);

        // Rule 8: the events are part of the command's transaction: kept with it, gone with its rollback.
        var recorded = await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "test.recorded").ToListAsync());
        Assert.Equal(kept.Order(), recorded.Select(e => e.SubjectId!.Value).Order());
        Assert.All(recorded, e => Assert.Equal("system", e.ActorType));
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "record_in_one_statement.rejected")));
    }

    [Fact]
    public async Task An_equal_notification_raised_twice_by_one_command_is_published_once_where_it_was_first_raised()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();

        await host.SendAsync(new Raise.Command([a, b, a, a, c, b]));
        Assert.Equal([a, b, c], recorder.Seen);

        // The next command starts afresh: what the last one published is published again.
        await host.SendAsync(new Raise.Command([b, a]));
        Assert.Equal([a, b, c, b, a], recorder.Seen);
    }
}
