/* Municipalities the simulator knows: kommunkod, name, population rounded
 * to the thousand (SCB, about 2024; realism only, not statistics). The
 * first ones are mid-sized, so --municipalities 1 is a typical one. */
#include "sim.h"

const sim_muni_t sim_munis[] = {
    {"2180", "Gävle", 104000},      {"1880", "Örebro", 159000},      {"0580", "Linköping", 167000},
    {"0680", "Jönköping", 145000},  {"1980", "Västerås", 158000},    {"2480", "Umeå", 133000},
    {"0380", "Uppsala", 245000},    {"1281", "Lund", 130000},        {"0780", "Växjö", 97000},
    {"1780", "Karlstad", 96000},    {"2281", "Sundsvall", 100000},   {"1380", "Halmstad", 105000},
    {"0581", "Norrköping", 145000}, {"1283", "Helsingborg", 151000}, {"0980", "Gotland", 61000},
    {"2584", "Kiruna", 22000},      {"0884", "Vimmerby", 16000},     {"1280", "Malmö", 362000},
    {"1480", "Göteborg", 604000},   {"0180", "Stockholm", 989000},
};
const int sim_n_munis = (int)(sizeof(sim_munis) / sizeof(sim_munis[0]));
