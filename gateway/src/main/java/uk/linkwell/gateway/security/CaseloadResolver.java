package uk.linkwell.gateway.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.TokenParamModifier;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.fhir.WriteGeneration;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Works out a requester's {@link Caseload} from the FHIR store: registered patients by
 * {@code Patient.generalPractitioner}, a link worker's CareTeams and EpisodesOfCare, a local authority's
 * EpisodesOfCare. Results are reused until a write that could change them commits (or the TTL passes, for
 * writes made through another gateway instance).
 */
public class CaseloadResolver {

    private static final Logger log = LoggerFactory.getLogger(CaseloadResolver.class);
    /** A practice list is rarely beyond 30,000; past this the list is cut and the cut is logged. */
    static final int MAX_PATIENTS = 100_000;

    private static final Set<String> TYPES_THAT_CHANGE_CASELOADS =
            Set.of("Patient", "CareTeam", "EpisodeOfCare", "Organization", "PractitionerRole");

    private final DaoRegistry daos;
    private final Function<Collection<String>, List<String>> registeredPatients;
    private final long ttlMillis;
    private final Clock clock;
    private final WriteGeneration generation = new WriteGeneration(TYPES_THAT_CHANGE_CASELOADS);
    private final Map<CaseloadKey, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param registeredPatients the ids of the patients registered at the given Organizations
     *     ({@code Organization/<id>}), at most {@link #MAX_PATIENTS}
     */
    public CaseloadResolver(
            DaoRegistry daos,
            Function<Collection<String>, List<String>> registeredPatients,
            Duration ttl,
            Clock clock) {
        this.daos = daos;
        this.registeredPatients = registeredPatients;
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
    }

    private record CaseloadKey(ClientRole role, String organisation, String practitioner) {}

    private record Cached(Caseload caseload, long generation, Instant expires) {}

    public Caseload caseloadOf(Requester requester) {
        if (requester.role() == ClientRole.ADMIN || requester.role() == ClientRole.INFORMATION_GOVERNANCE) {
            // Information governance answers "who has seen my record" for anyone; DisclosureTrailAudience keeps
            // it to the trail, so everyone's trail is all it reaches.
            return Caseload.EVERYONE;
        }
        CaseloadKey key = new CaseloadKey(requester.role(), requester.organisation(), requester.practitioner());
        long current = generation.current();
        Instant now = clock.instant();
        Cached cached = cache.get(key);
        if (cached != null && cached.generation() == current && now.isBefore(cached.expires())) {
            return cached.caseload();
        }
        // One computation per requester at a time: a practice list is a large search, and every request arriving
        // while it runs would otherwise run it too.
        synchronized (computing.computeIfAbsent(key, k -> new Object())) {
            cached = cache.get(key);
            if (cached != null && cached.generation() == current && now.isBefore(cached.expires())) {
                return cached.caseload();
            }
            Caseload computed = Caseload.of(compute(key));
            cache.put(key, new Cached(computed, current, now.plusMillis(ttlMillis)));
            return computed;
        }
    }

    /** Locks, one per requester key, held while its caseload is computed. */
    private final Map<CaseloadKey, Object> computing = new ConcurrentHashMap<>();

    private record CachedOrganisations(Set<String> ids, long generation, Instant expires) {}

    private final Map<String, CachedOrganisations> organisations = new ConcurrentHashMap<>();

    /** The server ids ({@code Organization/123}) of the organisations with this ODS code, reused like caseloads. */
    public Set<String> organisationIds(String odsCode) {
        long current = generation.current();
        Instant now = clock.instant();
        CachedOrganisations cached = organisations.get(odsCode);
        if (cached != null && cached.generation() == current && now.isBefore(cached.expires())) {
            return cached.ids();
        }
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add("identifier", new TokenParam(LinkwellProfiles.ODS_CODE_SYSTEM, odsCode));
        Set<String> ids = Set.copyOf(dao("Organization").searchForResourceIds(map, system()).stream()
                .map(id -> "Organization/" + id.getIdPart())
                .toList());
        organisations.put(odsCode, new CachedOrganisations(ids, current, now.plusMillis(ttlMillis)));
        return ids;
    }

    private Set<IIdType> compute(CaseloadKey key) {
        Set<IIdType> patients = new LinkedHashSet<>();
        switch (key.role()) {
            case GP_SYSTEM -> {
                if (key.organisation() != null) {
                    patients.addAll(registeredAt(key.organisation()));
                }
            }
            case SOCIAL_CARE_SYSTEM -> {
                if (key.organisation() != null) {
                    episodes(
                            new SearchParameterMap().add(EpisodeOfCare.SP_ORGANIZATION, byOdsCode(key.organisation())),
                            Set.of("entered-in-error"),
                            patients);
                }
            }
            case LINK_WORKER_APP -> {
                if (key.practitioner() != null) {
                    onCaseloadOf(key.practitioner(), patients);
                }
            }
            default -> {}
        }
        return patients;
    }

    private List<IIdType> registeredAt(String odsCode) {
        List<String> ids = registeredPatients.apply(organisationIds(odsCode));
        if (ids.size() >= MAX_PATIENTS) {
            log.warn("Registered list of practice {} cut at {} patients", odsCode, MAX_PATIENTS);
        }
        return ids.stream().map(id -> (IIdType) new IdType("Patient", id)).toList();
    }

    /** CareTeams the practitioner (or one of their roles) is a member of, and episodes they manage. */
    private void onCaseloadOf(String practitioner, Set<IIdType> patients) {
        try {
            List<String> members = new ArrayList<>(List.of(practitioner));
            SearchParameterMap roles =
                    SearchParameterMap.newSynchronous().add("practitioner", new ReferenceParam(practitioner));
            dao("PractitionerRole")
                    .searchForResourceIds(roles, system())
                    .forEach(id -> members.add("PractitionerRole/" + id.getIdPart()));
            for (String member : members) {
                SearchParameterMap teams = SearchParameterMap.newSynchronous()
                        .add(CareTeam.SP_PARTICIPANT, new ReferenceParam(member))
                        .add(CareTeam.SP_STATUS, notIn("inactive", "entered-in-error"));
                for (IBaseResource r : dao("CareTeam").searchForResources(teams, system())) {
                    addPatient(((CareTeam) r).getSubject(), patients);
                }
                episodes(
                        new SearchParameterMap().add(EpisodeOfCare.SP_CARE_MANAGER, new ReferenceParam(member)),
                        Set.of("finished", "cancelled", "entered-in-error"),
                        patients);
            }
        } catch (BaseServerResponseException e) {
            // An unknown practitioner reference: nobody on the caseload, rather than an error for every request.
            log.warn("Caseload of {} could not be resolved: {}", practitioner, e.getMessage());
        }
    }

    private void episodes(SearchParameterMap map, Set<String> excludedStatuses, Set<IIdType> patients) {
        map.setLoadSynchronous(true);
        for (IBaseResource r : dao("EpisodeOfCare").searchForResources(map, system())) {
            EpisodeOfCare episode = (EpisodeOfCare) r;
            if (episode.getStatus() == null
                    || !excludedStatuses.contains(episode.getStatus().toCode())) {
                addPatient(episode.getPatient(), patients);
            }
        }
    }

    private static void addPatient(Reference reference, Set<IIdType> patients) {
        IIdType id = reference.getReferenceElement();
        if ("Patient".equals(id.getResourceType()) && id.hasIdPart()) {
            patients.add(id.toUnqualifiedVersionless());
        }
    }

    private static ReferenceParam byOdsCode(String odsCode) {
        return new ReferenceParam("Organization", "identifier", LinkwellProfiles.ODS_CODE_SYSTEM + "|" + odsCode);
    }

    private static TokenAndListParam notIn(String... codes) {
        TokenAndListParam and = new TokenAndListParam();
        for (String code : codes) {
            and.addAnd(new TokenOrListParam().add(new TokenParam(code).setModifier(TokenParamModifier.NOT)));
        }
        return and;
    }

    @SuppressWarnings("unchecked")
    private IFhirResourceDao<IBaseResource> dao(String type) {
        return daos.getResourceDao(type);
    }

    private static SystemRequestDetails system() {
        return new SystemRequestDetails();
    }

    /** A resource was written: caseloads it may change are read again. */
    void changed(IBaseResource resource) {
        generation.written(resource);
    }
}
