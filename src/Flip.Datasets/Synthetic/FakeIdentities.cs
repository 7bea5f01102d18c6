using System.Globalization;

namespace Flip.Datasets.Synthetic;

/// <summary>Plausible but fake patient names, ids and birth dates per country.</summary>
internal static class FakeIdentities
{
    private static readonly Dictionary<string, (string[] Family, string[] Given, string IdPrefix)> Names = new()
    {
        ["Norway"] = (["HANSEN", "JOHANSEN", "OLSEN", "LARSEN", "ANDERSEN", "PEDERSEN", "NILSEN", "KRISTIANSEN", "JENSEN", "KARLSEN"],
                      ["OLE", "LARS", "KNUT", "ARNE", "TERJE", "ODDVAR", "SVEIN", "BJORN", "EINAR", "GEIR"], "NO"),
        ["Netherlands"] = (["DE JONG", "JANSEN", "DE VRIES", "VAN DEN BERG", "VAN DIJK", "BAKKER", "JANSSEN", "VISSER", "SMIT", "MEIJER"],
                           ["JAN", "PIETER", "HENK", "KEES", "WILLEM", "GERRIT", "JOHAN", "DIRK", "BART", "SJOERD"], "NL"),
        ["Taiwan"] = (["CHEN", "LIN", "HUANG", "CHANG", "LI", "WANG", "WU", "LIU", "TSAI", "YANG"],
                      ["CHIA-HAO", "CHIH-MING", "CHUN-HUNG", "WEN-HSIUNG", "KUO-HUA", "MING-TE", "TSUNG-HAN", "YU-LIN", "CHENG-EN", "PO-WEI"], "TW"),
    };

    public static PatientIdentity Create(string country, int siteIndex, int patientIndex, Random random)
    {
        var (family, given, prefix) = Names[country];
        string name = family[random.Next(family.Length)] + "^" + given[random.Next(given.Length)];
        string id = string.Create(CultureInfo.InvariantCulture, $"{prefix}{siteIndex + 1}{random.Next(1_000_000, 9_999_999)}{patientIndex % 10}");
        var birth = new DateOnly(1940, 1, 1).AddDays(random.Next(0, 35 * 365));
        return new PatientIdentity(name, id, birth);
    }
}
