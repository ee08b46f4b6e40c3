/// The sample situation report the demo works on (`shared/samples/flashpoint-sitrep.md`),
/// compiled in so that the demo runs from a binary copied anywhere.
enum DemoSample {
    static let document = #"""
---
title: "Flashpoint: how the Dagestan attacks and the Sevastopol strike could draw the US and Russia into war"
status: review
tags: [north-caucasus, dagestan, crimea, sevastopol, escalation, us-russia]
credibility: 3
sources:
  - id: s1
    ref: Russian official casualty statements, Dagestan
    reliability: C
  - id: s2
    ref: Reports of RQ-4B Global Hawk activity over the Black Sea
    reliability: D
events:
  - id: e1
    when: 2024-06-23
    place: Derbent, Dagestan
    lat: 42.06
    lon: 48.29
    summary: Gunmen fire near the Church of the Intercession and set the Kele-Numaz synagogue on fire; Archpriest Nikolai Kotelnikov killed.
  - id: e2
    when: 2024-06-23
    place: Makhachkala, Dagestan
    lat: 42.98
    lon: 47.50
    killed: 9
    injured: 25
    summary: Attacks on a traffic police post and the Cathedral of the Assumption; figures cover both cities, seven of the dead were police officers; two attackers killed, two suspects detained.
  - id: e3
    when: 2024-06-23
    place: Sevastopol, Crimea
    lat: 44.62
    lon: 33.52
    killed: 3
    injured: 124
    summary: ATACMS missiles with cluster warheads strike towards a beach; most are intercepted, falling submunitions and debris cause the casualties and fires.
---
## Key points

- Near-simultaneous attacks in two Dagestani cities on an Orthodox holiday, against churches,
  a synagogue and police, point to planning and outside support.
- The Sevastopol strike is attributed by Moscow to US targeting data from a Global Hawk
  drone; if that attribution holds, it is the clearest case yet of direct US involvement.

## Assessment

Choice of date and of religious and crowded civilian targets suggests an intent to provoke
and to maximise the psychological effect. The North Caucasus remains unstable and may need
more security forces. Russian retaliation against US assets would be the main escalation
path; watch for changes in Black Sea drone patrols and Russian statements naming the US.
"""#
}
