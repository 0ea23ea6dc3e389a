using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;

namespace TapRoom.Server.Features.Audit;

/// <summary>
/// People and things by name for the audit log: the subject of each event (guest, visit's guest, tap, keg with its
/// beer, card UID, controller, staff member) and a readable line of its details, with ids in the details replaced by
/// the names they stand for. Everything is read in a few batched queries for the page of events shown.
/// </summary>
public sealed class AuditNames(TapRoomDbContext db)
{
    private readonly Dictionary<Guid, string> _names = [];

    public async Task LoadAsync(IReadOnlyCollection<(Guid? SubjectId, string DetailsJson)> events, CancellationToken ct)
    {
        var ids = new HashSet<Guid>();
        foreach (var (subjectId, details) in events)
        {
            if (subjectId is { } s) ids.Add(s);
            foreach (var id in IdsIn(details)) ids.Add(id);
        }
        if (ids.Count == 0) return;
        var list = ids.ToList();
        Add(await db.Guests.AsNoTracking().Where(g => list.Contains(g.Id)).Select(g => new { g.Id, Name = g.Name }).ToListAsync(ct), x => x.Id, x => x.Name);
        Add(await db.Visits.AsNoTracking().Where(v => list.Contains(v.Id)).Select(v => new { v.Id, Name = v.Guest!.Name }).ToListAsync(ct), x => x.Id, x => $"{x.Name}'s visit");
        Add(await db.Taps.AsNoTracking().Where(t => list.Contains(t.Id)).Select(t => new { t.Id, t.Name }).ToListAsync(ct), x => x.Id, x => x.Name);
        Add(await db.Kegs.AsNoTracking().Where(k => list.Contains(k.Id)).Select(k => new { k.Id, Beer = k.BeerType!.Name }).ToListAsync(ct), x => x.Id,
            x => $"{x.Beer} keg #{x.Id.ToString("N")[..8]}");
        Add(await db.Cards.AsNoTracking().Where(c => list.Contains(c.Id)).Select(c => new { c.Id, c.Uid }).ToListAsync(ct), x => x.Id, x => $"card {x.Uid}");
        Add(await db.Controllers.AsNoTracking().Where(c => list.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToListAsync(ct), x => x.Id, x => $"controller {x.Name}");
        Add(await db.StaffUsers.AsNoTracking().Where(u => list.Contains(u.Id)).Select(u => new { u.Id, u.Name }).ToListAsync(ct), x => x.Id, x => x.Name);
        Add(await db.BeerTypes.AsNoTracking().Where(b => list.Contains(b.Id)).Select(b => new { b.Id, b.Name }).ToListAsync(ct), x => x.Id, x => x.Name);
    }

    private void Add<T>(IEnumerable<T> rows, Func<T, Guid> id, Func<T, string> name)
    {
        foreach (var row in rows) _names.TryAdd(id(row), name(row));
    }

    public string? NameOf(Guid? id) => id is { } g && _names.TryGetValue(g, out var n) ? n : null;

    /// <summary>"reason: insufficient balance · tap: Tap 2 · visit: Kim's visit · amount: 10.00"; ids become names.</summary>
    public string Describe(string detailsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(detailsJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return "";
            var parts = new List<string>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var value = Value(p.Value);
                if (value is null) continue;
                var label = Label(p.Name);
                parts.Add($"{label}: {value}");
            }
            return string.Join(" · ", parts);
        }
        catch (JsonException)
        {
            return detailsJson;
        }
    }

    private string? Value(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String when Guid.TryParse(v.GetString(), out var g) => NameOf(g) ?? v.GetString()![..8],
        JsonValueKind.String => v.GetString()!.Replace('_', ' '),
        JsonValueKind.Number => v.TryGetDecimal(out var d) ? d.ToString(d == Math.Round(d) ? "0" : "0.00", CultureInfo.InvariantCulture) : v.GetRawText(),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Array => string.Join(", ", v.EnumerateArray().Select(Value).Where(x => x is not null)),
        _ => null,
    };

    /// <summary>visitId → visit, maxVolumeMl → max volume ml.</summary>
    private static string Label(string name)
    {
        var n = name.EndsWith("Id", StringComparison.Ordinal) && name.Length > 2 ? name[..^2] : name;
        var chars = new List<char>();
        foreach (var c in n)
        {
            if (char.IsUpper(c) && chars.Count > 0) chars.Add(' ');
            chars.Add(char.ToLowerInvariant(c));
        }
        return new string(chars.ToArray());
    }

    private static IEnumerable<Guid> IdsIn(string detailsJson)
    {
        var found = new List<Guid>();
        try
        {
            using var doc = JsonDocument.Parse(detailsJson);
            Walk(doc.RootElement, found);
        }
        catch (JsonException)
        {
        }
        return found;
    }

    private static void Walk(JsonElement e, List<Guid> found)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) Walk(p.Value, found);
                break;
            case JsonValueKind.Array:
                foreach (var x in e.EnumerateArray()) Walk(x, found);
                break;
            case JsonValueKind.String when Guid.TryParse(e.GetString(), out var g):
                found.Add(g);
                break;
        }
    }
}
