using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.EndToEnd.Tests;

/// <summary>Arranging a night on the floor: shifts open or closed, a real controller presenting cards, layout checks.</summary>
public static class FloorNight
{
    public const int Wide = 1280, WideHeight = 800, Phone = 390, PhoneHeight = 844;

    public static async Task EnsureShiftOpenAsync(TapRoomHost host)
    {
        if (await host.DbAsync(db => db.Shifts.AnyAsync(s => s.Status == ShiftStatus.Open))) return;
        using var admin = await host.SignInAsync();
        (await admin.PostAsJsonAsync("/api/shifts", new { }, TapRoomHost.Json)).EnsureSuccessStatusCode();
    }

    /// <summary>Closes any open shift straight in the database and tells the dashboards, as the close handler would.</summary>
    public static async Task EnsureNoShiftAsync(TapRoomHost host)
    {
        var ids = await host.DbAsync(async db =>
        {
            var open = await db.Shifts.Where(s => s.Status == ShiftStatus.Open).ToListAsync();
            foreach (var s in open)
            {
                s.Status = ShiftStatus.Closed;
                s.ClosedAt = host.Time.GetUtcNow().UtcDateTime;
                s.ClosedBy = "test";
            }
            await db.SaveChangesAsync();
            return open.Select(s => s.Id).ToList();
        });
        foreach (var id in ids) await host.PublishAsync(new ShiftChangedNotification(id));
    }

    /// <summary>A registered, connected controller for the given taps (real WebSocket, Hello said).</summary>
    public static async Task<ControllerHubClient> ControllerAsync(TapRoomHost host, params Guid[] tapIds)
    {
        var registered = await host.SendAsync(new RegisterController.Command($"pi-{Guid.NewGuid():N}"[..12], tapIds));
        var client = new ControllerHubClient(host.BaseAddress, registered.ApiKey).WithEvents();
        await client.StartAsync();
        await client.Hello(new HelloRequest("e2e-1.0", 0));
        return client;
    }

    /// <summary>What the eye sees first: the viewport only (the full-page screenshot of a long view is too tall to read).</summary>
    public static Task TopScreenshotAsync(BrowserFixture fx, IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fx.ScreenshotDirectory, name + ".png"), FullPage = false });

    public static Task<string> CardOfAsync(TapRoomHost host, Guid visitId) =>
        host.DbAsync(db => db.Visits.Where(v => v.Id == visitId).Select(v => v.Card!.Uid).SingleAsync());

    /// <summary>
    /// Horizontal overflow and cut text on the page: the document wider than the viewport, or an element whose text is
    /// cut (ellipsis or hidden overflow). Returns descriptions of what overflows; empty when the view fits.
    /// </summary>
    public static async Task<IReadOnlyList<string>> OverflowsAsync(IPage page)
    {
        var found = await page.EvaluateAsync<string[]>("""
            () => {
              const out = [];
              const doc = document.documentElement;
              if (doc.scrollWidth > doc.clientWidth + 1) out.push(`document ${doc.scrollWidth} > ${doc.clientWidth}`);
              const scope = document.querySelector('main') ? 'main *, nav *, [data-testid=paused-banner] *' : 'body *';
              for (const el of document.querySelectorAll(scope)) {
                const cs = getComputedStyle(el);
                if (cs.display === 'none' || cs.visibility === 'hidden') continue;
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) continue;
                if (r.right > doc.clientWidth + 1 && cs.position !== 'fixed') out.push(`${el.tagName.toLowerCase()}.${el.className} sticks out to ${Math.round(r.right)}: ${(el.textContent || '').trim().slice(0, 40)}`);
                const cuts = (cs.textOverflow === 'ellipsis' || cs.overflowX === 'hidden') && el.scrollWidth > el.clientWidth + 1 && el.children.length === 0;
                if (cuts) out.push(`${el.tagName.toLowerCase()}.${el.className} cut: ${(el.textContent || '').trim().slice(0, 40)}`);
                const scrolls = (cs.overflowX === 'auto' || cs.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1;
                if (scrolls) out.push(`${el.tagName.toLowerCase()}.${el.className} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
              }
              return out.slice(0, 12);
            }
            """);
        return found;
    }
}
