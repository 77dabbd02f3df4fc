package uk.linkwell.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;

/**
 * Every hand-authored differential rule survives into the generated snapshot. HAPI's snapshot
 * generator silently drops differential elements that are out of base order, so this guards the authoring.
 */
class SnapshotGenerationTest {

    @Test
    void everyStructureDefinitionGetsASnapshot() {
        List<StructureDefinition> generated = SharedValidator.support().structureDefinitionsWithSnapshots();

        assertThat(generated).hasSameSizeAs(SharedValidator.pkg().structureDefinitions());
        assertThat(generated)
                .allSatisfy(sd -> assertThat(sd.getSnapshot().getElement()).isNotEmpty());
    }

    @Test
    void differentialRulesAppearInTheSnapshot() {
        for (StructureDefinition sd : SharedValidator.support().structureDefinitionsWithSnapshots()) {
            Map<String, ElementDefinition> snapshot = sd.getSnapshot().getElement().stream()
                    .collect(Collectors.toMap(ElementDefinition::getId, Function.identity(), (a, b) -> a));
            for (ElementDefinition diff : sd.getDifferential().getElement()) {
                String where = sd.getName() + " " + diff.getId();
                ElementDefinition snap = snapshot.get(diff.getId());
                assertThat(snap).as(where).isNotNull();
                if (diff.hasMin()) {
                    assertThat(snap.getMin()).as(where + " min").isEqualTo(diff.getMin());
                }
                if (diff.hasMax()) {
                    assertThat(snap.getMax()).as(where + " max").isEqualTo(diff.getMax());
                }
                if (diff.hasBinding()) {
                    assertThat(snap.getBinding().getStrength())
                            .as(where + " binding")
                            .isEqualTo(diff.getBinding().getStrength());
                    assertThat(snap.getBinding().getValueSet())
                            .as(where + " value set")
                            .isEqualTo(diff.getBinding().getValueSet());
                }
                if (diff.hasFixed()) {
                    assertThat(snap.getFixed().equalsDeep(diff.getFixed()))
                            .as(where + " fixed")
                            .isTrue();
                }
                if (diff.hasPattern()) {
                    assertThat(snap.getPattern().equalsDeep(diff.getPattern()))
                            .as(where + " pattern")
                            .isTrue();
                }
                for (var constraint : diff.getConstraint()) {
                    assertThat(snap.getConstraint())
                            .as(where + " constraint " + constraint.getKey())
                            .anySatisfy(c -> assertThat(c.getKey()).isEqualTo(constraint.getKey()));
                }
                if (diff.hasType()) {
                    assertThat(snap.getType()).as(where + " types").hasSameSizeAs(diff.getType());
                }
            }
        }
    }
}
